package lesson

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// TestTransferNoLoss: 1 MB over a 50 ms link. The receive window is
// 65535 bytes (RecvBuffer, window scale shift 0) and the RTT 100 ms, so
// the throughput is at most 65535 bytes per RTT. The first data leaves
// after the handshake's RTT and takes 50 ms to arrive; 10^6 bytes need
// ceil(10^6/65535) = 16 windows, each after the previous one's ACKs: the
// server cannot have everything before 0.1 + 0.05 + 15×0.1 = 1.65 s. With
// no loss and no rate limit, the sender fills the window each round trip,
// so it has everything within one more RTT.
func TestTransferNoLoss(t *testing.T) {
	res, err := Transfer(TransferConfig{Seed: 1, Bytes: 1_000_000, Path: sim.Path{Delay: 50 * time.Millisecond}})
	require.NoError(t, err)
	assert.True(t, res.Match())
	assert.Equal(t, int64(1_000_000), res.Received)
	assert.GreaterOrEqual(t, res.Done, 1650*time.Millisecond, "faster than window/RTT allows")
	// Slow start (RFC 5681 §3.1) from an initial window of 10 segments
	// (RFC 6928) reaches the 64 KiB receive window in three round trips.
	assert.LessOrEqual(t, res.Done, 1950*time.Millisecond)
	assert.InDelta(t, 8e6/res.Done.Seconds(), res.GoodputBPS(), 1e-6)
	assert.LessOrEqual(t, res.GoodputBPS(), 65535*8/0.1, "goodput above window/RTT")
	// The client closes first and waits 2×MSL = 4 min in TIME-WAIT.
	assert.GreaterOrEqual(t, res.Closed, res.Done+4*time.Minute)
	assert.Zero(t, res.Retransmissions)
	assert.Zero(t, res.Timeouts)
	assert.Zero(t, res.DupAcks)
	assert.Zero(t, res.FastRetransmits)
	require.NotEmpty(t, res.Cwnd)
	assert.Equal(t, int64(14480), res.Cwnd[0].Cwnd, "IW = min(10*MSS, max(2*MSS, 14600)) with MSS 1448 (RFC 6928)")
	require.NotNil(t, res.FinalCwnd)
	// Without loss cwnd only grows, and ssthresh stays "arbitrarily high".
	for i := 1; i < len(res.Cwnd); i++ {
		assert.GreaterOrEqual(t, res.Cwnd[i].Cwnd, res.Cwnd[i-1].Cwnd)
	}

	// The segments tile [0, 10^6) in order, each at most the MSS less the
	// 12 bytes of the timestamp option (RFC 7323 §3.2, with two NOPs).
	require.Equal(t, res.DataSegments, len(res.Segments))
	assert.GreaterOrEqual(t, res.DataSegments, (1_000_000+1447)/1448)
	var next int64
	for _, s := range res.Segments {
		require.Equal(t, next, s.Seq)
		require.False(t, s.Retransmit)
		require.LessOrEqual(t, s.Len, 1448)
		next += int64(s.Len)
	}
	assert.Equal(t, int64(1_000_000), next)
	// The last ACK acknowledges the data and the FIN: 10^6 + 1.
	assert.Equal(t, int64(1_000_001), res.Acks[len(res.Acks)-1].Ack)
	// Its window is within one MSS of the buffer: the receiver's SWS
	// avoidance (RFC 9293 §3.8.6.2.2) may hold back a smaller increase.
	assert.GreaterOrEqual(t, res.Acks[len(res.Acks)-1].Win, uint32(65535-1460))
}

// TestTransferFirstDataSegmentLost drops transmission 4, the first data
// segment (1 SYN, 2 SYN-ACK, 3 the client's ACK). The first flight is the
// initial window, 10 segments (RFC 6928); the receiver holds the 9 after
// the hole (RFC 9293 §3.10.7.4, SHLD-31) and answers each with the same
// ACK and window: 9 duplicate ACKs (RFC 5681 §2). When they reach the
// client at 0.04 s, the first two each send a new segment by limited
// transmit (RFC 5681 §3.2 step 1), which arrive ahead of the
// retransmission and bring 2 more duplicates, 11 in all; the third starts
// loss recovery, which resends the first segment; no timeout. The first
// sends are ceil(10^5/1448) = 70 segments, 71 in all.
func TestTransferFirstDataSegmentLost(t *testing.T) {
	res, err := Transfer(TransferConfig{Seed: 1, Bytes: 100_000, Path: sim.Path{
		Delay: 10 * time.Millisecond, Faults: []sim.Fault{sim.DropNthOfAll(4)},
	}})
	require.NoError(t, err)
	assert.True(t, res.Match())
	assert.Equal(t, 11, res.DupAcks)
	assert.Zero(t, res.Timeouts)
	assert.Equal(t, 1, res.Retransmissions)
	assert.Equal(t, 71, res.DataSegments)
	assert.Equal(t, 1, res.FastRetransmits)
	first := res.Segments[0]
	assert.Equal(t, TransferSegment{At: 20 * time.Millisecond, Seq: 0, Len: 1448}, first, "sent after the SYN-ACK, one RTT in")
	// The retransmission: on the third duplicate ACK, one round trip after
	// the flight left at 0.02 s.
	var marked []TransferSegment
	for _, s := range res.Segments {
		if s.Retransmit {
			marked = append(marked, s)
		}
	}
	require.Len(t, marked, res.Retransmissions)
	assert.Equal(t, TransferSegment{At: 40 * time.Millisecond, Seq: 0, Len: 1448, Retransmit: true}, marked[0])
}

// TestTransferWithLoss: at 5% loss every way the bytes still arrive,
// repaired by fast retransmissions and timeouts.
func TestTransferWithLoss(t *testing.T) {
	res, err := Transfer(TransferConfig{Seed: 1, Bytes: 1_000_000, Path: sim.Path{Delay: 50 * time.Millisecond, Loss: 0.05}})
	require.NoError(t, err)
	assert.True(t, res.Match())
	assert.Positive(t, res.Retransmissions)
	assert.Positive(t, res.FastRetransmits)
	assert.Greater(t, res.Done, 1650*time.Millisecond, "loss makes it slower than without")
}

func TestTransferDeterministic(t *testing.T) {
	cfg := TransferConfig{Seed: 7, Bytes: 300_000, Path: sim.Path{Delay: 5 * time.Millisecond, Loss: 0.02, Jitter: time.Millisecond}}
	a, errA := Transfer(cfg)
	b, errB := Transfer(cfg)
	require.NoError(t, errA)
	require.NoError(t, errB)
	assert.Equal(t, a, b)
	cfg.Seed = 8
	c, err := Transfer(cfg)
	require.NoError(t, err)
	assert.NotEqual(t, a.SentSHA256, c.SentSHA256, "the content comes from the seed")
}

// TestTransferOddSize: a size that is not a multiple of the content's
// 8-byte words nor of the chunk, hashed as the same bytes on both sides.
func TestTransferOddSize(t *testing.T) {
	const n = 3*contentChunk + 1001
	res, err := Transfer(TransferConfig{Seed: 3, Bytes: n})
	require.NoError(t, err)
	var want bytes.Buffer
	c := newContent(3)
	for left := int64(n); left > 0; left -= contentChunk {
		want.Write(c.next(min(left, contentChunk)))
	}
	assert.Equal(t, sha256.Sum256(want.Bytes()), res.SentSHA256)
	assert.Equal(t, res.SentSHA256, res.ReceivedSHA256)
	assert.Equal(t, int64(n), res.Received)
}

func TestTransferProgress(t *testing.T) {
	var last int64
	calls := 0
	res, err := Transfer(TransferConfig{Seed: 1, Bytes: 200_000, Path: sim.Path{Delay: time.Millisecond},
		Progress: func(received int64, _ time.Duration) {
			assert.Greater(t, received, last, "progress only grows")
			last = received
			calls++
		}})
	require.NoError(t, err)
	assert.Equal(t, res.Received, last)
	assert.Positive(t, calls)
}

func TestTransferBadConfig(t *testing.T) {
	for _, n := range []int64{0, -1, MaxTransferBytes + 1} {
		res, err := Transfer(TransferConfig{Bytes: n})
		assert.Nil(t, res)
		assert.ErrorContains(t, err, "lesson: transfer size")
	}
}

// TestTransferFails: when almost everything is lost the client gives up
// (RFC 1122 §4.2.3.5, R2): the error says so and the result still counts.
func TestTransferFails(t *testing.T) {
	res, err := Transfer(TransferConfig{Seed: 1, Bytes: 10_000, Path: sim.Path{Delay: time.Millisecond, Loss: 0.97}})
	require.Error(t, err)
	assert.ErrorIs(t, err, tcpstate.ErrTimedOut)
	require.NotNil(t, res)
	assert.False(t, res.Match())
	assert.Positive(t, res.Timeouts)
	assert.Zero(t, res.GoodputBPS())
}

// TestTransferCheck: the same count of different bytes is an error.
func TestTransferCheck(t *testing.T) {
	tr := &transfer{res: &TransferResult{Bytes: 3, Received: 3,
		SentSHA256: sha256.Sum256([]byte("abc")), ReceivedSHA256: sha256.Sum256([]byte("abd"))}}
	assert.EqualError(t, tr.check(), "lesson: the bytes received differ from those sent (SHA-256)")
	assert.False(t, tr.res.Match())
	tr.res.ReceivedSHA256 = tr.res.SentSHA256
	assert.NoError(t, tr.check())
	tr.res.Received = 2
	assert.EqualError(t, tr.check(), "lesson: the server received 2 bytes of 3")
}
