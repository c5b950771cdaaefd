package capture

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// pairCapture runs a client and a server Conn (the plain RFC profile, each
// with its own secret, so their ISNs differ from the driven endpoint's)
// over a path of one-way delay d, and records every segment as a capture
// taken at its sender would: at the time it left. The client sends req
// and closes; the server echoes what it reads and closes after the
// client's FIN. lose, if set, says which client segments the path loses
// after the capture saw them.
func pairCapture(t *testing.T, d time.Duration, req []byte, lose func(i int, seg *tcpstate.Segment) bool) []Captured {
	t.Helper()
	var ends [2]*tcpstate.Conn
	for i := range ends {
		cfg := tcpstate.DefaultConfig()
		cfg.Secret[0] = byte(i + 7)
		c, err := tcpstate.NewConn(cfg)
		require.NoError(t, err)
		ends[i] = c
	}
	client, server := netip.MustParseAddrPort("198.18.0.1:40000"), netip.MustParseAddrPort("198.18.0.2:80")
	epoch := time.Unix(0, 0)
	now := time.Duration(0)
	require.NoError(t, ends[1].Listen(epoch, server))
	require.NoError(t, ends[0].Connect(epoch, client, server))
	type flight struct {
		at  time.Duration
		to  int
		seg tcpstate.Segment
	}
	var inFlight []flight
	var out []Captured
	sentFromClient, wrote, closed := 0, false, [2]bool{}
	var buf [65536]byte
	// service runs end i's application (as the sim's processes do, after
	// every event) and sends what the end has to send.
	var send func(i int)
	service := func(i int) {
		c := ends[i]
		if i == 0 && c.State() == tcpstate.Established && !wrote {
			c.Write(req)
			wrote = true
		}
		if n, _ := c.Read(buf[:]); n > 0 && i == 1 {
			c.Write(append([]byte(nil), buf[:n]...)) // echo
		}
		if i == 0 && wrote && !closed[0] && c.TCB().SendQueued == 0 {
			c.Close(epoch.Add(now))
			closed[0] = true
		}
		if i == 1 && c.State() == tcpstate.CloseWait && !closed[1] && c.TCB().SendQueued == 0 {
			c.Close(epoch.Add(now))
			closed[1] = true
		}
		send(i)
	}
	send = func(i int) {
		c := ends[i]
		for {
			seg, ok := c.Poll(epoch.Add(now))
			if !ok {
				return
			}
			seg.Payload = append([]byte(nil), seg.Payload...)
			out = append(out, Captured{Frame: len(out) + 1, At: now, FromServer: i == 1, Seg: seg, Len: len(seg.Payload)})
			if i == 0 {
				sentFromClient++
				if lose != nil && lose(sentFromClient, &seg) {
					continue
				}
			}
			inFlight = append(inFlight, flight{now + d, 1 - i, seg})
		}
	}
	service(0)
	for range 100000 {
		next := time.Duration(-1)
		for _, f := range inFlight {
			if next < 0 || f.at < next {
				next = f.at
			}
		}
		for _, c := range ends {
			if at := c.NextTimeout(); !at.IsZero() && c.State() != tcpstate.TimeWait && (next < 0 || at.Sub(epoch) < next) {
				next = at.Sub(epoch)
			}
		}
		if next < 0 {
			return out
		}
		now = next
		if len(inFlight) > 0 && inFlight[0].at <= now {
			// Deliveries in the order they were sent, one at a time.
			k := 0
			for j, f := range inFlight {
				if f.at < inFlight[k].at {
					k = j
				}
			}
			f := inFlight[k]
			inFlight = append(inFlight[:k], inFlight[k+1:]...)
			// The stack answers at once; the application runs after.
			ends[f.to].HandleSegment(epoch.Add(now), f.seg)
			send(f.to)
			service(f.to)
			continue
		}
		for i, c := range ends {
			if at := c.NextTimeout(); !at.IsZero() && !at.After(epoch.Add(now)) && c.State() != tcpstate.TimeWait {
				c.HandleTimeout(epoch.Add(now))
				service(i)
			}
		}
	}
	t.Fatal("the pair never went quiet")
	return nil
}

// A capture of a peer running tcpsim's own TCP replays without any
// divergence, whichever side tcpsim plays: same segments, same numbers
// relative to each ISN, same windows and options, at the same times.
func TestDriveTcpsimPeer(t *testing.T) {
	req := []byte(strings.Repeat("request ", 1000)) // 8000 bytes: several segments each way
	segs := pairCapture(t, 10*time.Millisecond, req, nil)
	for _, server := range []bool{true, false} {
		d, err := DriveConnection(segs, server)
		require.NoError(t, err)
		assert.Empty(t, d.Diverged, "server %v", server)
		assert.Equal(t, 0, d.Differing)
		assert.Equal(t, len(d.Captured), len(d.Ours), "server %v", server)
		assert.Equal(t, 10*time.Millisecond, d.Lag, "the captures are at the senders: one delay")
		assert.GreaterOrEqual(t, len(d.Captured), 8, "handshake, data, close")
	}
}

// A segment lost after the capture saw it never reached the real server,
// but the driven one gets it: the first divergence is the server's answer
// to it, here the ACK of the client's second data segment, which the real
// server never sent.
func TestDriveLossAfterTheCapture(t *testing.T) {
	// 1448 + 1448 + 1104 bytes: an MSS of 1460 less 12 bytes of
	// timestamps in each segment (RFC 6691 §2).
	req := []byte(strings.Repeat("x", 4000))
	segs := pairCapture(t, 10*time.Millisecond, req, func(i int, seg *tcpstate.Segment) bool {
		return i == 4 // the SYN, the handshake's ACK, the first data, then this one
	})
	d, err := DriveConnection(segs, true)
	require.NoError(t, err)
	require.NotEmpty(t, d.Diverged)
	first := d.Diverged[0]
	assert.Equal(t, "ack", first.Field, "%+v", first)
	assert.Equal(t, "1449", first.Want, "the real server still waits for byte 1449")
	assert.Equal(t, "2897", first.Got, "the driven server got the second segment")
}

func TestDriveNeedsTheOpening(t *testing.T) {
	segs := pairCapture(t, time.Millisecond, []byte("hi"), nil)
	_, err := DriveConnection(segs[3:], true)
	assert.True(t, errors.Is(err, ErrNoOpening), "%v", err)
}

// Every connection of every recording replays to its end, either side
// played, whatever the loss, reordering, closed windows or resets in it:
// only a connection whose SYN the capture lacks is refused.
func TestDriveEveryRecording(t *testing.T) {
	pcaps, err := filepath.Glob("testdata/*.pcap")
	require.NoError(t, err)
	pcapngs, err := filepath.Glob("testdata/*.pcapng")
	require.NoError(t, err)
	files := append(pcaps, pcapngs...)
	require.NotEmpty(t, files)
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(t, err)
		streams := map[int][]Captured{}
		_, err = AnalyzeEach(f, func(rec Record, p *Packet, si SegmentInfo) {
			if p.Kind != TCP {
				return
			}
			seg := p.Segment
			seg.Payload = nil
			streams[si.Stream] = append(streams[si.Stream], Captured{Frame: rec.Number, At: si.At,
				FromServer: si.FromServer, Seg: seg, Len: p.Len})
		})
		f.Close()
		require.NoError(t, err, name)
		for id := range len(streams) {
			for _, server := range []bool{true, false} {
				d, err := DriveConnection(streams[id], server)
				if errors.Is(err, ErrNoOpening) {
					continue
				}
				require.NoError(t, err, "%s stream %d server %v", name, id, server)
				assert.NotEmpty(t, d.Ours, "%s stream %d server %v", name, id, server)
			}
		}
	}
}

// recordingStreams reads a recording in testdata into each stream's
// captured segments.
func recordingStreams(t *testing.T, name string) map[int][]Captured {
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err)
	defer f.Close()
	streams := map[int][]Captured{}
	_, err = AnalyzeEach(f, func(rec Record, p *Packet, si SegmentInfo) {
		if p.Kind == TCP {
			seg := p.Segment
			seg.Payload = nil
			streams[si.Stream] = append(streams[si.Stream], Captured{Frame: rec.Number, At: si.At,
				FromServer: si.FromServer, Seg: seg, Len: p.Len})
		}
	})
	require.NoError(t, err)
	return streams
}

// In loss.pcapng's stream 2 the client's first SYN is lost and sent again
// a second later: the server's lag is from that second SYN to its
// SYN-ACK (frames 135 and 136), not from the first.
func TestDriveLagAfterALostSYN(t *testing.T) {
	d, err := DriveConnection(recordingStreams(t, "loss.pcapng")[2], true)
	require.NoError(t, err)
	assert.Less(t, d.Lag, time.Millisecond, "lag %v", d.Lag)
	assert.Positive(t, d.Lag)
}

// In loss.pcapng's stream 0 the client sends 100,000 bytes
// (record-loss.sh; 102,896 with its retransmissions), more than the plain
// profile's send buffer holds: replayed as the client, tcpsim's
// application writes every one of them, each once.
func TestDriveWritesEverything(t *testing.T) {
	d, err := DriveConnection(recordingStreams(t, "loss.pcapng")[0], false)
	require.NoError(t, err)
	assert.Equal(t, int64(100000), d.Written)
}

// A tiny MSS in the capture still replays: the MTU for it is raised to
// IPv4's least (RFC 791: 68 bytes).
func TestDriveTinyMSS(t *testing.T) {
	segs := pairCapture(t, time.Millisecond, []byte("hi"), nil)
	segs[0].Seg.Options.HasMSS, segs[0].Seg.Options.MSS = true, 10
	_, err := DriveConnection(segs, false)
	require.NoError(t, err)
}

// A capture whose length fields claim far more than it holds (records of
// 40 bytes saying 65,495 bytes of payload each, a gigabyte in all, never
// acknowledged) replays without taking memory in proportion to the
// claims: the send buffer is bounded, and what it cannot take waits.
func TestDriveBoundedMemory(t *testing.T) {
	c, s := netip.MustParseAddrPort("198.18.0.1:1000"), netip.MustParseAddrPort("198.18.0.2:80")
	syn := tcpstate.Options{HasMSS: true, MSS: 65495, HasWindowScale: true, WindowScale: 14}
	segs := []Captured{
		{Frame: 1, Seg: tcpstate.Segment{Src: c, Dst: s, Seq: 100, Flags: tcpstate.SYN, Window: 65535, Options: syn}},
		{Frame: 2, At: time.Millisecond, FromServer: true, Seg: tcpstate.Segment{Src: s, Dst: c, Seq: 500, Ack: 101,
			Flags: tcpstate.SYN | tcpstate.ACK, Window: 65535, Options: syn}},
		{Frame: 3, At: 2 * time.Millisecond, Seg: tcpstate.Segment{Src: c, Dst: s, Seq: 101, Ack: 501, Flags: tcpstate.ACK, Window: 65535}},
	}
	seq := tcpstate.Segment{}.Seq.Add(101)
	for i := range 16000 {
		segs = append(segs, Captured{Frame: 4 + i, At: 3*time.Millisecond + time.Duration(i)*time.Microsecond,
			Seg: tcpstate.Segment{Src: c, Dst: s, Seq: seq, Ack: 501, Flags: tcpstate.ACK, Window: 65535}, Len: 65495})
		seq = seq.Add(65495)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := DriveConnection(segs, false)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, int64(replayBuffer), d.Written, "the send buffer filled, and nothing acknowledged it")
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<20 {
		t.Errorf("the replay allocated %d MiB", alloc>>20)
	}
}

// Packets centuries apart (pcapng's timestamps allow it, and the time
// since the first saturates) are refused with an error naming the packet,
// not replayed on a clock that cannot add them up.
func TestDriveTimesTooFarApart(t *testing.T) {
	segs := pairCapture(t, time.Millisecond, []byte("hello"), nil)
	segs[len(segs)-1].At = time.Duration(math.MaxInt64)
	_, err := DriveConnection(segs, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("packet %d is ", segs[len(segs)-1].Frame))
	assert.Contains(t, err.Error(), "too far apart to replay")
}
