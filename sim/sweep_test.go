package sim

import (
	"bytes"
	"flag"
	"fmt"
	"testing"
	"time"
)

var sweepSeeds = flag.Int("sweep", 24, "seeds per impairment in TestSeedSweep (raise it for a long sweep, e.g. -sweep 2000)")

// TestSeedSweep runs transfers over links that misbehave in every way
// netem can, for many seeds, and checks what TCP promises whatever the
// network does: every byte arrives exactly once and in order, and both
// connections end in CLOSED by a normal close within bounded virtual time.
// A failing case names its impairment and seed, so it can be replayed.
// ("Both ends ESTABLISHED" is not among the promises: a lost third ACK
// leaves the server in SYN-RECEIVED until data flows.)
func TestSeedSweep(t *testing.T) {
	const size = 30_000
	const bound = 2 * time.Hour // 30% loss with RTO backoff still finishes well within it
	cases := []struct {
		name   string
		ab, ba Path
	}{
		{"loss 30%", Path{Delay: 5 * time.Millisecond, Loss: 0.3}, Path{Delay: 5 * time.Millisecond, Loss: 0.3}},
		// Bursts of 2 packets on average (1/R), entered after 20 good
		// ones (1/P). Bursts much longer would be a link down: TCP gives up
		// after DataRetries (15) lost retransmissions in a row, by design
		// (RFC 1122 §4.2.3.5, R2), and the sweep would only find that.
		{"burst loss", Path{Delay: 5 * time.Millisecond, Burst: GilbertElliott{P: 0.05, R: 0.5, LossBad: 1}},
			Path{Delay: 5 * time.Millisecond, Burst: GilbertElliott{P: 0.05, R: 0.5, LossBad: 1}}},
		{"reordering", Path{Delay: 5 * time.Millisecond, Jitter: 4 * time.Millisecond, Reorder: 0.3},
			Path{Delay: 5 * time.Millisecond, Jitter: 4 * time.Millisecond}},
		{"duplication 30%", Path{Delay: 5 * time.Millisecond, Duplicate: 0.3}, Path{Delay: 5 * time.Millisecond, Duplicate: 0.3}},
		{"corruption 20%", Path{Delay: 5 * time.Millisecond, Corrupt: 0.2}, Path{Delay: 5 * time.Millisecond, Corrupt: 0.2}},
		{"everything", everything(0.1), everything(0.1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for seed := range uint64(*sweepSeeds) {
				x := sweepOne(seed, size, tc.ab, tc.ba, bound)
				if msg := x.failure(); msg != "" {
					t.Fatalf("%s, seed %d (replay: go test ./sim -run 'TestSeedSweep/%s' -sweep %d): %s",
						tc.name, seed, tc.name, seed+1, msg)
				}
			}
		})
	}
}

// sweepOne is runTransfer without a trace, bounded in virtual time.
func sweepOne(seed uint64, size int, ab, ba Path, bound time.Duration) *transfer {
	w := New(Config{Seed: seed})
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: serverAddr})
	if _, err := w.AddLink(c, s, ab, ba); err != nil {
		panic(err)
	}
	x := &transfer{data: make([]byte, size)}
	for i := range x.data {
		x.data[i] = byte(i*7 + i>>8)
	}
	s.Listen(80, x.server)
	c.Dial(serverPort, x.client())
	w.RunUntil(Epoch().Add(bound))
	return x
}

// failure says what TCP's promises the transfer broke, "" if none.
func (x *transfer) failure() string {
	switch {
	case !bytes.Equal(x.data, x.got.Bytes()):
		return fmt.Sprintf("the server read %d bytes of %d, or other bytes", x.got.Len(), len(x.data))
	case !x.clientEnd || !x.srvEnd:
		return fmt.Sprintf("not both CLOSED in time (client %v, server %v)", x.clientEnd, x.srvEnd)
	case x.clientErr != nil || x.srvErr != nil:
		return fmt.Sprintf("an abnormal end: client %v, server %v", x.clientErr, x.srvErr)
	}
	return ""
}
