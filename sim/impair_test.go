package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const trials = 10000

func TestLossIsBinomial(t *testing.T) {
	w, a, b, lg := rawWorld(t, 1, Path{Delay: time.Millisecond, Loss: 0.1})
	blast(w, a, b, trials, 0, 0)
	lost := countDrops(lg, DropLoss)
	requireBinomial(t, "lost", lost, trials, 0.1)
	assert.Len(t, segEvents(lg, Recv), trials-lost, "every segment not lost arrives")
	assert.Equal(t, uint64(lost), w.Stats().Dropped)
}

func TestDuplicateIsBinomial(t *testing.T) {
	w, a, b, lg := rawWorld(t, 2, Path{Delay: time.Millisecond, Duplicate: 0.05})
	blast(w, a, b, trials, 0, 0)
	dups := segEvents(lg, Duplicate)
	requireBinomial(t, "duplicated", len(dups), trials, 0.05)
	assert.Len(t, segEvents(lg, Recv), trials+len(dups), "originals and copies arrive")
	assert.Equal(t, uint64(len(dups)), w.Stats().Duplicated)
	// The copy is a transmission of its own, numbered right after the
	// original, carrying the same segment.
	for _, d := range dups {
		require.Equal(t, d.Original+1, d.Packet)
		require.Equal(t, a, d.Host)
	}
}

func TestCorruptSegmentsAreDroppedByTheReceiver(t *testing.T) {
	w, a, b, lg := rawWorld(t, 3, Path{Delay: time.Millisecond, Corrupt: 0.1})
	blast(w, a, b, trials, 10, 0)
	bad := segEvents(lg, Drop)
	requireBinomial(t, "corrupted", len(bad), trials, 0.1)
	for _, e := range bad {
		require.Equal(t, DropCorrupt, e.Reason)
		require.Equal(t, "checksum", e.Reason.String())
		require.Equal(t, b, e.Host, "the receiver drops it")
		require.Equal(t, time.Millisecond, e.Time.Sub(Epoch()), "on arrival")
	}
	assert.Len(t, segEvents(lg, Recv), trials-len(bad))
	_ = w
}

// TestGilbertElliottBursts uses the Gilbert model (no loss in the good
// state, all lost in the bad one): a burst is a stay in the bad state, so
// its length is geometric with mean 1/R, and the loss rate is the time
// in the bad state, P/(P+R).
func TestGilbertElliottBursts(t *testing.T) {
	const n, p, r = 100000, 0.01, 0.25
	w, a, b, lg := rawWorld(t, 4, Path{Delay: time.Millisecond, Burst: GilbertElliott{P: p, R: r, LossBad: 1}})
	blast(w, a, b, n, 0, 0)
	var bursts []int
	last := uint64(0)
	for _, e := range segEvents(lg, Drop) {
		require.Equal(t, DropLoss, e.Reason)
		if e.Packet == last+1 && len(bursts) > 0 {
			bursts[len(bursts)-1]++
		} else {
			bursts = append(bursts, 1)
		}
		last = e.Packet
	}
	lost := 0
	for _, k := range bursts {
		lost += k
	}
	mean := float64(lost) / float64(len(bursts))
	// A burst length has variance (1-r)/r² = 12; over ~960 bursts the
	// mean's standard deviation is about 0.11: allow 5 of them.
	assert.InDelta(t, 1/r, mean, 0.55, "mean burst length over %d bursts", len(bursts))
	// The stationary share of the bad state, P/(P+R) = 3.85%.
	assert.InDelta(t, p/(p+r), float64(lost)/n, 0.006)
}

func TestGilbertElliottLossInEachState(t *testing.T) {
	// Never leaving the good state, it loses with LossGood (1-k) only.
	w, a, b, lg := rawWorld(t, 5, Path{Burst: GilbertElliott{P: 1e-300, LossGood: 0.2, LossBad: 1}})
	blast(w, a, b, trials, 0, 0)
	requireBinomial(t, "lost in good state", countDrops(lg, DropLoss), trials, 0.2)
}

func TestReorderSendsSomeAtOnce(t *testing.T) {
	// netem "delay 10ms reorder 25%": a quarter go at once, overtaking.
	w, a, b, lg := rawWorld(t, 6, Path{Delay: 10 * time.Millisecond, Reorder: 0.25})
	blast(w, a, b, trials, 0, time.Millisecond)
	sent := segEvents(lg, Send)
	now := 0
	for i, e := range segEvents(lg, Recv) {
		d := e.Time.Sub(sent[e.Packet-1].Time)
		switch d {
		case 0:
			now++
		case 10 * time.Millisecond:
		default:
			t.Fatalf("recv %d after %v: want 0 or 10ms", i, d)
		}
	}
	requireBinomial(t, "sent at once", now, trials, 0.25)
	assert.Positive(t, inversions(lg))
}

// inversions counts arrivals whose sequence number is below one that
// arrived before them.
func inversions(lg *log) int {
	n, top := 0, -1
	for _, e := range segEvents(lg, Recv) {
		if s := int(e.Segment.Seq); s < top {
			n++
		} else {
			top = s
		}
	}
	return n
}

func TestJitterUniform(t *testing.T) {
	const d, j = 20 * time.Millisecond, 5 * time.Millisecond
	w, a, b, lg := rawWorld(t, 7, Path{Delay: d, Jitter: j})
	blast(w, a, b, trials, 0, time.Millisecond)
	sent := segEvents(lg, Send)
	var sum time.Duration
	lowQuarter := 0
	for _, e := range segEvents(lg, Recv) {
		got := e.Time.Sub(sent[e.Packet-1].Time)
		require.True(t, got >= d-j && got <= d+j, "delay %v outside %v±%v", got, d, j)
		sum += got
		if got < d-j/2 {
			lowQuarter++
		}
	}
	// Uniform on [d-j, d+j]: mean d, standard deviation j/√3 ≈ 2.9ms, so
	// the mean of 10,000 is within 0.15ms (5 sd); a quarter fall in the
	// lowest quarter of the range.
	assert.InDelta(t, float64(d), float64(sum)/trials, float64(150*time.Microsecond))
	requireBinomial(t, "in the lowest quarter", lowQuarter, trials, 0.25)
	assert.Positive(t, inversions(lg), "jitter larger than the gap reorders")
}

func TestJitterNormal(t *testing.T) {
	const d, j = 50 * time.Millisecond, 5 * time.Millisecond
	w, a, b, lg := rawWorld(t, 8, Path{Delay: d, Jitter: j, JitterDist: Normal})
	blast(w, a, b, trials, 0, 0)
	within := 0
	for _, e := range segEvents(lg, Recv) {
		if got := e.Time.Sub(Epoch()); got >= d-j && got <= d+j {
			within++
		}
	}
	// Within one standard deviation: 68.27% of a normal distribution.
	requireBinomial(t, "within one sd", within, trials, 0.6827)
}

func TestInOrderKeepsOrder(t *testing.T) {
	w, a, b, lg := rawWorld(t, 7, Path{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, InOrder: true})
	blast(w, a, b, trials, 0, time.Millisecond)
	assert.Zero(t, inversions(lg))
	assert.Len(t, segEvents(lg, Recv), trials)
}

func TestRateSerializes(t *testing.T) {
	// 1460 bytes of data + 20 TCP + 20 IPv4 = 1500 bytes = 12,000 bits: at
	// 12 Mbit/s, exactly 1 ms each, one behind the other, then the delay.
	w, a, b, lg := rawWorld(t, 9, Path{Delay: 10 * time.Millisecond, Rate: 12_000_000})
	blast(w, a, b, 5, 1460, 0)
	var got []time.Duration
	for _, e := range segEvents(lg, Recv) {
		got = append(got, e.Time.Sub(Epoch()))
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{11 * ms, 12 * ms, 13 * ms, 14 * ms, 15 * ms}, got)
	// An idle transmitter starts at once: a segment sent at 100ms arrives
	// at 111ms.
	w.RunUntil(Epoch().Add(100 * ms))
	blast(w, a, b, 1, 1460, 0)
	recv := segEvents(lg, Recv)
	assert.Equal(t, 111*ms, recv[len(recv)-1].Time.Sub(Epoch()))
}

func TestRateCountsIPv6Header(t *testing.T) {
	// 40 + 20 + 1440 = 1500 bytes: 1 ms at 12 Mbit/s.
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	a, _ := w.AddHost(HostConfig{Name: "a", Addr: v6a})
	b, _ := w.AddHost(HostConfig{Name: "b", Addr: v6b})
	_, err := w.AddLink(a, b, Path{Rate: 12_000_000}, Path{})
	require.NoError(t, err)
	blast(w, a, b, 2, 1440, 0)
	recv := segEvents(lg, Recv)
	require.Len(t, recv, 2)
	assert.Equal(t, 2*time.Millisecond, recv[1].Time.Sub(Epoch()))
}

func TestLimitTailDrops(t *testing.T) {
	w, a, b, lg := rawWorld(t, 10, Path{Delay: 10 * time.Millisecond, Limit: 2})
	blast(w, a, b, 5, 0, 0)
	drops := segEvents(lg, Drop)
	require.Len(t, drops, 3)
	for i, e := range drops {
		assert.Equal(t, DropQueue, e.Reason)
		assert.Equal(t, uint64(i+3), e.Packet, "the tail: segments 3, 4, 5")
		assert.Equal(t, a, e.Host)
	}
	assert.Len(t, segEvents(lg, Recv), 2)
	// Once delivered, the path has room again.
	blast(w, a, b, 2, 0, 0)
	assert.Len(t, segEvents(lg, Recv), 4)
}

func TestMTUDropsOversizedSegments(t *testing.T) {
	w, a, b, lg := rawWorld(t, 11, Path{MTU: 1000})
	blast(w, a, b, 1, 960, 0) // 20+20+960 = 1000: fits
	blast(w, a, b, 1, 961, 0)
	drops := segEvents(lg, Drop)
	require.Len(t, drops, 1)
	assert.Equal(t, DropMTU, drops[0].Reason)
	assert.Equal(t, "mtu", drops[0].Reason.String())
	assert.Equal(t, uint64(2), drops[0].Packet)
	assert.Len(t, segEvents(lg, Recv), 1)
}

func TestPathValidate(t *testing.T) {
	for _, tc := range []struct {
		path  Path
		field string
	}{
		{Path{Loss: 1.5}, "Loss 1.5"},
		{Path{Loss: -0.1}, "Loss -0.1"},
		{Path{Duplicate: 2}, "Duplicate 2"},
		{Path{Corrupt: -1}, "Corrupt -1"},
		{Path{Delay: 10, Reorder: 1.01}, "Reorder 1.01"},
		{Path{Burst: GilbertElliott{P: 0.1, R: 1.2}}, "Burst.R 1.2"},
		{Path{Delay: -time.Millisecond}, "Delay -1ms"},
		{Path{Jitter: -time.Millisecond}, "Jitter -1ms"},
		{Path{JitterDist: 7}, "JitterDist 7"},
		{Path{Rate: -1}, "Rate -1"},
		{Path{Limit: -1}, "Limit -1"},
		{Path{MTU: 67}, "MTU 67"},
		{Path{Loss: 0.1, Burst: GilbertElliott{P: 0.1, R: 0.5}}, "Loss and Burst"},
		{Path{Burst: GilbertElliott{R: 0.5}}, "Burst.P is 0"},
		{Path{Reorder: 0.25}, "Reorder needs a Delay"},
		{Path{Delay: 10, Reorder: 0.25, InOrder: true}, "Reorder and InOrder"},
		{Path{Faults: []Fault{{}}}, "Faults[0]: fault needs Nth"},
		{Path{Faults: []Fault{DropNth(1), {Nth: 2, Delay: -1}}}, "Faults[1]: fault Delay"},
		{Path{Faults: []Fault{{Nth: 1, Count: 2}}}, "Faults[0]: fault Count 2"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			err := tc.path.Validate()
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.field)
			assert.Regexp(t, "^sim: ", err.Error())

			w := New(Config{})
			a, _ := w.AddHost(HostConfig{Name: "a", Addr: clientAddr})
			b, _ := w.AddHost(HostConfig{Name: "b", Addr: serverAddr})
			_, err = w.AddLink(a, b, Path{}, tc.path)
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), "link b->a: "+tc.field)
		})
	}
	full := Path{
		Delay: time.Millisecond, Jitter: time.Millisecond, JitterDist: Normal, Loss: 1, Reorder: 1,
		Duplicate: 1, Corrupt: 1, Rate: 1, Limit: 1, MTU: 68, Faults: []Fault{DelayNth(1, 1)},
	}
	assert.NoError(t, full.Validate())
}
