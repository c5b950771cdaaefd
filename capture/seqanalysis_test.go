package capture

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// simultaneousOpenSYNACKs lists, by capture, the frames that are the
// SYN-ACKs of a simultaneous open (RFC 9293 §3.5, figure 8). tshark
// flags them as retransmissions; tcpsim does not, as each is its
// sender's first SYN-ACK. This is the one known, intended difference.
var simultaneousOpenSYNACKs = map[string][]int{
	"simopen.pcapng": {3, 4},
}

// analysisLine formats a frame's findings as testdata/analysis-oracle.sh
// writes tshark's: frame, stream, then 1 or nothing for each flag.
func analysisLine(frame, stream int, a Anomaly) string {
	f := []string{strconv.Itoa(frame), strconv.Itoa(stream)}
	for i := range anomalyNames {
		v := ""
		if a&(1<<i) != 0 {
			v = "1"
		}
		f = append(f, v)
	}
	return strings.Join(f, "\t")
}

// Every TCP frame of every capture in testdata carries the flags tshark
// 4.0 gives it (the .analysis files, testdata/analysis-oracle.sh), and
// each connection counts the frames tshark flags.
func TestSequenceAnalysisLikeTshark(t *testing.T) {
	oracles, err := filepath.Glob("testdata/*.analysis")
	require.NoError(t, err)
	require.NotEmpty(t, oracles)
	for _, oracle := range oracles {
		name := strings.TrimSuffix(filepath.Base(oracle), ".analysis")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(oracle)
			require.NoError(t, err)
			want := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			known := map[int]bool{}
			for _, n := range simultaneousOpenSYNACKs[name] {
				known[n] = true
			}
			an := NewAnalyzer()
			var got []string
			decodeFile(t, name, func(rec Record, p Packet) {
				in := an.Add(rec, p)
				if p.Kind != TCP {
					return
				}
				if known[rec.Number] {
					assert.Zero(t, in.Anomaly, "frame %d: a simultaneous open's SYN-ACK", rec.Number)
					in.Anomaly |= Retransmission // as tshark has it
				}
				got = append(got, analysisLine(rec.Number, in.Stream, in.Anomaly))
			})
			require.Len(t, got, len(want))
			for i := range want {
				assert.Equal(t, want[i], got[i], "frame, stream, flags (%s)", strings.Join(anomalyNames[:], ", "))
			}
			wantCounts := countsFromOracle(t, want)
			a := an.Analysis()
			require.Len(t, a.TCP, len(wantCounts))
			for i, c := range a.TCP {
				w := wantCounts[i]
				w.Retransmissions -= knownInStream(name, want, i)
				assert.Equal(t, w, c.Anomalies, "stream %d", i)
			}
		})
	}
}

// countsFromOracle counts, for each stream, the frames of an .analysis
// file carrying each flag.
func countsFromOracle(t *testing.T, lines []string) []AnomalyCounts {
	var counts []AnomalyCounts
	for _, line := range lines {
		f := strings.Split(line, "\t")
		require.Len(t, f, 2+len(anomalyNames), line)
		id, err := strconv.Atoi(f[1])
		require.NoError(t, err)
		for len(counts) <= id {
			counts = append(counts, AnomalyCounts{})
		}
		var a Anomaly
		for i, v := range f[2:] {
			if v != "" {
				require.Equal(t, "1", v, line)
				a |= 1 << i
			}
		}
		counts[id].add(a)
	}
	return counts
}

// knownInStream counts the simultaneous-open SYN-ACKs of a capture in
// stream id, which tshark counts as retransmissions and tcpsim does not.
func knownInStream(name string, lines []string, id int) int {
	n := 0
	for _, frame := range simultaneousOpenSYNACKs[name] {
		for _, line := range lines {
			if strings.HasPrefix(line, fmt.Sprintf("%d\t%d\t", frame, id)) {
				n++
			}
		}
	}
	return n
}

func TestAnomalyString(t *testing.T) {
	assert.Equal(t, "", Anomaly(0).String())
	assert.Equal(t, "retransmission|fast_retransmission", (Retransmission | FastRetransmission).String())
	assert.Equal(t, "duplicate_ack|keep_alive", (KeepAlive | DupACK).String())
}

// madeUpAnalysis writes segs to a capture, 1 ms apart, and returns
// tshark's analysis lines for it (as testdata/analysis-oracle.sh writes
// them) and ours.
func madeUpAnalysis(t *testing.T, segs []tcpstate.Segment) (theirs, ours []string) {
	t.Helper()
	return analysisOf(t, madeUpCapture(t, segs))
}

// analysisOf returns tshark's analysis lines for the capture at path and
// ours.
func analysisOf(t *testing.T, path string) (theirs, ours []string) {
	t.Helper()
	theirs = tsharkLines(t, path, "-Y", "tcp", "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
		"-e", "frame.number", "-e", "tcp.stream",
		"-e", "tcp.analysis.retransmission", "-e", "tcp.analysis.fast_retransmission",
		"-e", "tcp.analysis.spurious_retransmission", "-e", "tcp.analysis.duplicate_ack",
		"-e", "tcp.analysis.out_of_order", "-e", "tcp.analysis.zero_window",
		"-e", "tcp.analysis.window_full", "-e", "tcp.analysis.keep_alive")
	r, err := os.Open(path)
	require.NoError(t, err)
	defer r.Close()
	_, err = AnalyzeEach(r, func(rec Record, p *Packet, si SegmentInfo) {
		ours = append(ours, analysisLine(rec.Number, si.Stream, si.Anomaly))
	})
	require.NoError(t, err)
	return theirs, ours
}

// Made-up connections that try the rules where the captures have no
// example, frame by frame against tshark. A capture that starts in the
// middle knows neither end's window until it has seen a segment of it:
// a byte at the next sequence number is then no zero-window probe, and
// the probe, the zero window and the keep-alive after it are found as
// tshark finds them.
func TestSequenceAnalysisMadeUpLikeTshark(t *testing.T) {
	c, s := netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("198.18.0.2:80")
	data := func(src, dst netip.AddrPort, seq, ack uint32, win uint16, n int) tcpstate.Segment {
		return tcpstate.Segment{Src: src, Dst: dst, Flags: tcpstate.ACK, Seq: seqnum.Value(seq), Ack: seqnum.Value(ack),
			Window: win, Payload: make([]byte, n)}
	}
	rst := func(src, dst netip.AddrPort, seq, ack uint32) tcpstate.Segment {
		return tcpstate.Segment{Src: src, Dst: dst, Flags: tcpstate.RST | tcpstate.ACK, Seq: seqnum.Value(seq), Ack: seqnum.Value(ack)}
	}
	for name, segs := range map[string][]tcpstate.Segment{
		"window unknown mid-stream": {
			data(c, s, 1000, 7000, 1000, 1),
			data(c, s, 1001, 7000, 1000, 1),
			data(c, s, 1001, 7000, 0, 1),
		},
		"retransmission after an ACK of unseen data": {
			data(s, c, 5000, 1000, 1000, 20),
			data(c, s, 1000, 5000, 1000, 10),
			data(s, c, 5020, 1020, 1000, 0),
			data(s, c, 5000, 1020, 1000, 20),
		},
		"retransmission after an ACK of unseen data and a reset": {
			data(s, c, 5000, 1000, 1000, 20),
			data(c, s, 1000, 5000, 1000, 10),
			data(s, c, 5020, 1020, 1000, 0),
			rst(c, s, 1010, 5020),
			data(s, c, 5000, 1020, 1000, 20),
			data(c, s, 1010, 5000, 1000, 0),
			data(s, c, 5000, 1020, 1000, 20),
		},
		"window closed": {
			data(c, s, 1000, 7000, 1000, 100),
			data(s, c, 7000, 1100, 0, 0),
			data(c, s, 1100, 7000, 1000, 1),
			data(s, c, 7000, 1100, 0, 0),
		},
	} {
		t.Run(name, func(t *testing.T) {
			want, got := madeUpAnalysis(t, segs)
			assert.Equal(t, want, got, "frame, stream, flags (%s)", strings.Join(anomalyNames[:], ", "))
		})
	}
}

// Random connections, most on a 4-tuple of their own, one after another
// in one capture, drawn from a fixed seed: handshakes or mid-stream starts, new
// data and retransmitted data either way, holes, pure and duplicate ACKs,
// closed windows, keep-alives, FINs and resets, at gaps from 0.1 to 30
// ms. Every frame's stream and flags are tshark's.
func TestSequenceAnalysisRandomLikeTshark(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	server := netip.MustParseAddrPort("198.18.0.2:80")
	var segs []tcpstate.Segment
	var at []time.Duration
	now := time.Duration(0)
	gaps := []time.Duration{100 * time.Microsecond, time.Millisecond, 5 * time.Millisecond, 30 * time.Millisecond}
	var client netip.AddrPort
	for conv := range 150 {
		// A fifth of the connections reuse the last one's 4-tuple.
		if conv == 0 || rng.IntN(5) != 0 {
			client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 1, byte(1 + conv%200)}), uint16(40000+conv))
		}
		ends := [2]netip.AddrPort{client, server}
		// next[i]: end i's next new sequence number; acked[i]: what it
		// last acknowledged of the other.
		var next, acked [2]seqnum.Value
		next[0], next[1] = seqnum.Value(rng.Uint32()), seqnum.Value(rng.Uint32())
		send := func(from int, flags tcpstate.Flags, seq seqnum.Value, n int, win uint16) {
			segs = append(segs, tcpstate.Segment{Src: ends[from], Dst: ends[1-from], Flags: flags, Seq: seq,
				Ack: acked[from], Window: win, Payload: make([]byte, n)})
			now += gaps[rng.IntN(len(gaps))]
			at = append(at, now)
		}
		acked[0], acked[1] = next[1], next[0]
		if rng.IntN(10) < 7 { // a handshake
			segs = append(segs, tcpstate.Segment{Src: client, Dst: server, Flags: tcpstate.SYN, Seq: next[0], Window: 1000})
			now += gaps[rng.IntN(len(gaps))]
			at = append(at, now)
			next[0]++
			acked[1] = next[0]
			send(1, tcpstate.SYN|tcpstate.ACK, next[1], 0, 1000)
			next[1]++
			acked[0] = next[1]
			send(0, tcpstate.ACK, next[0], 0, 1000)
		}
		for range 10 + rng.IntN(20) {
			from := rng.IntN(2)
			win := uint16(1000)
			if rng.IntN(10) == 0 {
				win = 0
			}
			switch k := rng.IntN(12); {
			case k < 4: // new data
				n := []int{1, 10, 100}[rng.IntN(3)]
				send(from, tcpstate.ACK, next[from], n, win)
				next[from] = next[from].Add(seqnum.Size(n))
			case k < 6: // the other end acknowledges all of it, or again
				acked[1-from] = next[from]
				send(1-from, tcpstate.ACK, next[1-from], 0, win)
			case k < 8: // data sent again from somewhat before
				back := seqnum.Size(rng.IntN(50))
				send(from, tcpstate.ACK, next[from].Sub(back), 10, win)
			case k == 8: // a hole: data beyond what was sent
				send(from, tcpstate.ACK, next[from].Add(seqnum.Size(1+rng.IntN(20))), 10, win)
			case k == 9: // a keep-alive, with or without its byte
				send(from, tcpstate.ACK, next[from].Sub(1), rng.IntN(2), win)
			case k == 10: // an ACK of data not seen
				acked[from] = acked[from].Add(seqnum.Size(1 + rng.IntN(30)))
				send(from, tcpstate.ACK, next[from], 0, win)
			default: // a FIN
				send(from, tcpstate.FIN|tcpstate.ACK, next[from], 0, win)
				next[from]++
			}
		}
		if rng.IntN(4) == 0 {
			send(rng.IntN(2), tcpstate.RST|tcpstate.ACK, next[0], 0, 0)
		}
	}
	want, got := analysisOf(t, madeUpCaptureAt(t, segs, at))
	require.Len(t, got, len(want))
	unsure := 0
	for i := range want {
		if want[i] == got[i] {
			continue
		}
		// tshark 4.0's rule for a fast retransmission after an "ACKed
		// unseen segment" is not known here: reading its -1 marker
		// unsigned (as the source says) or signed each disagrees with it
		// somewhere. A frame that only one side calls a fast
		// retransmission is counted, not failed.
		if isFast(want[i]) != isFast(got[i]) {
			unsure++
			continue
		}
		t.Errorf("frame, stream, flags (%s): tshark %q, tcpsim %q", strings.Join(anomalyNames[:], ", "), want[i], got[i])
	}
	t.Logf("%d frames, %d differing only on a fast retransmission", len(want), unsure)
	if unsure > len(want)/100 {
		t.Errorf("%d of %d frames differ on a fast retransmission; want at most 1%%", unsure, len(want))
	}
}

// isFast tells whether an analysis line carries the fast retransmission
// flag (the second flag column).
func isFast(line string) bool {
	f := strings.Split(line, "\t")
	return len(f) > 3 && f[3] == "1"
}
