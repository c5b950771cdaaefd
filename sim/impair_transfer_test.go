package sim

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// transfer is a bulk transfer: the client writes data and closes; the
// server reads to the end of the stream and closes.
type transfer struct {
	data               []byte
	sent               int
	got                bytes.Buffer
	clientErr, srvErr  error
	clientEnd, srvEnd  bool
	clientConn         Conn
	closedClientWrites bool
}

func (x *transfer) push(c Conn) {
	for x.sent < len(x.data) {
		n, err := c.Write(x.data[x.sent:])
		x.sent += n
		if err != nil || n == 0 {
			return
		}
	}
	if !x.closedClientWrites {
		x.closedClientWrites = true
		c.Close()
	}
}

func (x *transfer) client() Handler {
	return Handler{
		Established: x.push,
		Writable:    x.push,
		Closed:      func(_ Conn, err error) { x.clientEnd, x.clientErr = true, err },
	}
}

func (x *transfer) server(Conn) Handler {
	return Handler{
		Readable: func(c Conn) {
			var buf [4096]byte
			for {
				n, err := c.Read(buf[:])
				x.got.Write(buf[:n])
				if err == io.EOF {
					c.Close()
					return
				}
				if err != nil || n == 0 {
					return
				}
			}
		},
		Closed: func(_ Conn, err error) { x.srvEnd, x.srvErr = true, err },
	}
}

// runTransfer moves size bytes from client to server over paths ab
// (client to server) and ba, and returns the transfer and the trace.
func runTransfer(t *testing.T, seed uint64, size int, ab, ba Path) (*transfer, *log, *World) {
	t.Helper()
	lg := &log{}
	w := New(Config{Seed: seed, Trace: lg.record})
	c, err := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	require.NoError(t, err)
	s, err := w.AddHost(HostConfig{Name: "server", Addr: serverAddr})
	require.NoError(t, err)
	_, err = w.AddLink(c, s, ab, ba)
	require.NoError(t, err)
	x := &transfer{data: make([]byte, size)}
	for i := range x.data {
		x.data[i] = byte(i*7 + i>>8)
	}
	_, err = s.Listen(80, x.server)
	require.NoError(t, err)
	_, err = c.Dial(serverPort, x.client())
	require.NoError(t, err)
	w.RunUntil(Epoch().Add(time.Hour))
	return x, lg, w
}

// requireComplete checks the transfer's invariants in TCP terms: the
// bytes arrived exactly once and in order, and both ends reached CLOSED
// by a normal close.
func requireComplete(t *testing.T, x *transfer) {
	t.Helper()
	require.True(t, bytes.Equal(x.data, x.got.Bytes()), "got %d bytes of %d, or not the same", x.got.Len(), len(x.data))
	require.True(t, x.clientEnd && x.srvEnd, "both ends reach CLOSED")
	require.NoError(t, x.clientErr)
	require.NoError(t, x.srvErr)
}

// everything is a path with every impairment on at once.
func everything(loss float64) Path {
	return Path{
		Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: loss, Reorder: 0.1,
		Duplicate: 0.05, Corrupt: 0.02, Rate: 10_000_000, Limit: 64, MTU: 1500,
		Faults: []Fault{DropNth(3), DelayNth(7, 30*time.Millisecond)},
	}
}

func TestTransferCompletesUnderImpairments(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ab, ba Path
	}{
		{"loss 20%", Path{Delay: 10 * time.Millisecond, Loss: 0.2}, Path{Delay: 10 * time.Millisecond, Loss: 0.2}},
		{"burst loss", Path{Delay: 10 * time.Millisecond, Burst: GilbertElliott{P: 0.05, R: 0.3, LossBad: 1}}, Path{Delay: 10 * time.Millisecond}},
		{"duplication 20%", Path{Delay: 10 * time.Millisecond, Duplicate: 0.2}, Path{Delay: 10 * time.Millisecond, Duplicate: 0.2}},
		{"reordering", Path{Delay: 10 * time.Millisecond, Jitter: 8 * time.Millisecond, Reorder: 0.25}, Path{Delay: 10 * time.Millisecond, Jitter: 8 * time.Millisecond}},
		{"corruption 10%", Path{Delay: 10 * time.Millisecond, Corrupt: 0.1}, Path{Delay: 10 * time.Millisecond, Corrupt: 0.1}},
		{"everything", everything(0.1), everything(0.05)},
	} {
		for seed := range uint64(5) {
			t.Run(fmt.Sprintf("%s/seed=%d", tc.name, seed), func(t *testing.T) {
				x, _, _ := runTransfer(t, seed, 100_000, tc.ab, tc.ba)
				requireComplete(t, x)
			})
		}
	}
}

func TestCorruptSegmentsNeverReachTCP(t *testing.T) {
	p := Path{Delay: 10 * time.Millisecond, Corrupt: 0.2}
	x, lg, _ := runTransfer(t, 1, 50_000, p, p)
	requireComplete(t, x)
	corrupt := map[uint64]bool{}
	for _, e := range segEvents(lg, Drop) {
		if e.Reason == DropCorrupt {
			corrupt[e.Packet] = true
		}
	}
	require.NotEmpty(t, corrupt)
	for _, e := range segEvents(lg, Recv) {
		require.False(t, corrupt[e.Packet], "packet %d was corrupted, yet received: %v", e.Packet, e.Segment)
	}
	// tcpstate never saw them: its verdicts are only for what arrived.
	for _, e := range lg.events {
		if e.Kind == TraceState && e.Cause == TraceSegment {
			require.False(t, corrupt[e.Packet])
		}
	}
}

func TestImpairedRunIsDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		x, lg, _ := runTransfer(t, seed, 200_000, everything(0.1), everything(0.05))
		requireComplete(t, x)
		// The run must exercise every impairment, or the test proves
		// less than it says.
		for _, r := range []DropReason{DropLoss, DropCorrupt, DropFault} {
			require.Positive(t, countDrops(lg, r), "no drop for %v", r)
		}
		require.NotEmpty(t, segEvents(lg, Duplicate))
		return fullText(lg)
	}
	a, b := run(7), run(7)
	assert.Equal(t, a, b, "same seed, same trace")
	assert.NotEqual(t, a, run(8), "another seed, other draws")
}

// TestMTUMisconfiguration: a host whose tcpstate MTU is larger than its
// path's sends full-sized segments the path drops; the handshake still
// completes (its segments are small).
func TestMTUMisconfiguration(t *testing.T) {
	x, lg, _ := runTransfer(t, 1, 3000, Path{Delay: time.Millisecond, MTU: 1000}, Path{Delay: time.Millisecond})
	assert.Positive(t, countDrops(lg, DropMTU))
	assert.Less(t, x.got.Len(), 3000)
	for _, e := range segEvents(lg, Drop) {
		if e.Reason == DropMTU {
			require.Greater(t, ipSize(&e.Segment), 1000)
		}
	}
}
