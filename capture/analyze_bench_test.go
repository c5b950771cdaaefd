package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// BenchmarkAnalyze analyses a pcap file of 1,000 connections of 100
// packets each (100,000 packets, interleaved, 100-byte payloads, held in
// memory), with both ends' states reconstructed, reporting packets per
// second.
func BenchmarkAnalyze(b *testing.B) {
	const conns, per = 1000, 100
	file := benchCapture(b, conns, conns, per, false)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := Analyze(bytes.NewReader(file))
		if err != nil || len(a.TCP) != conns {
			b.Fatal(err, len(a.TCP))
		}
		if client, server := a.TCP[conns-1].States(); client != tcpstate.TimeWait || server != tcpstate.Closed {
			b.Fatal("states", client, server)
		}
	}
	b.ReportMetric(float64(b.N*conns*per)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkAnalyzeConnections measures what the analysis keeps per TCP
// connection: 100,000 connections of 8 packets each, one after the other,
// analysed; the heap in use afterwards, divided by the connections, is
// reported as bytes/connection. It grows with the connections a capture
// holds, not with its length.
func BenchmarkAnalyzeConnections(b *testing.B) {
	const conns, per = 100000, 8
	file := benchCapture(b, conns, 1, per, true)
	var perConn float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		a, err := Analyze(bytes.NewReader(file))
		if err != nil || len(a.TCP) != conns {
			b.Fatal(err, len(a.TCP))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perConn = float64(after.HeapAlloc-before.HeapAlloc) / conns
		runtime.KeepAlive(a)
	}
	b.ReportMetric(perConn, "bytes/connection")
}

// benchCapture is a pcap file, in memory, of benchConnections' segments
// with 100-byte payloads.
func benchCapture(b *testing.B, conns, active, per int, timestamps bool) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, PCAP, Ethernet)
	if err != nil {
		b.Fatal(err)
	}
	benchConnections(conns, active, per, 100, timestamps, func(at time.Time, seg *tcpstate.Segment) {
		if err := w.WriteSegment(at, *seg, ""); err != nil {
			b.Fatal(err)
		}
	})
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// benchConnections makes conns connections of per packets each, active
// at a time of them taking turns packet by packet, the next ones starting
// when they end: the handshake, the client's segments of size bytes each
// acknowledged by the server, and a close from the client (RFC 9293 §3.5
// Figure 6, §3.6 Figure 12). With timestamps every segment carries them
// (RFC 7323 §3.2) and the SYNs offer what Linux's do. each gets every
// segment in the order of the capture.
func benchConnections(conns, active, per, size int, timestamps bool, each func(time.Time, *tcpstate.Segment)) {
	if per%2 != 0 || per < 8 || conns%active != 0 {
		panic("benchConnections needs an even number of packets, at least 8, and batches of equal size")
	}
	server := netip.MustParseAddrPort("198.18.0.2:47000")
	payload := make([]byte, size)
	t0 := time.Unix(1000, 0)
	const ciss, siss = seqnum.Value(1000), seqnum.Value(5000)
	n := 0 // packets so far: one a microsecond
	for batch := 0; batch < conns; batch += active {
		for k := range per {
			for i := batch; i < batch+active; i++ {
				client := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, 1 + byte(i/50000), 1}), uint16(10000+i%50000))
				// The client's bytes before packet k: its segments are the
				// odd packets from 3 to per-4.
				sent := seqnum.Size(max(0, (min(k, per-3)-2)/2) * size)
				c2s := tcpstate.Segment{Src: client, Dst: server, Flags: tcpstate.ACK, Window: 1000,
					Seq: ciss.Add(1 + sent), Ack: siss.Add(1)}
				s2c := tcpstate.Segment{Src: server, Dst: client, Flags: tcpstate.ACK, Window: 1000,
					Seq: siss.Add(1), Ack: ciss.Add(1 + sent)}
				var seg tcpstate.Segment
				switch {
				case k == 0:
					seg = c2s
					seg.Seq, seg.Ack, seg.Flags = ciss, 0, tcpstate.SYN
				case k == 1:
					seg = s2c
					seg.Seq, seg.Ack, seg.Flags = siss, ciss.Add(1), tcpstate.SYN|tcpstate.ACK
				case k == 2:
					seg = c2s
				case k == per-3:
					seg = c2s
					seg.Flags |= tcpstate.FIN
				case k == per-2:
					seg = s2c
					seg.Ack, seg.Flags = seg.Ack.Add(1), tcpstate.FIN|tcpstate.ACK
				case k == per-1:
					seg = c2s
					seg.Seq, seg.Ack = seg.Seq.Add(1), seg.Ack.Add(1)
				case k%2 == 1:
					seg = c2s
					seg.Payload = payload
				default:
					seg = s2c
				}
				if timestamps {
					o := &seg.Options
					if seg.Flags&tcpstate.SYN != 0 {
						o.HasMSS, o.MSS, o.SACKPermitted, o.HasWindowScale, o.WindowScale = true, 1460, true, true, 7
					}
					// A 1 ms clock, a tick per round of packets; each end
					// echoes the other's latest.
					o.HasTimestamps, o.TSVal, o.TSEcr = true, uint32(100+k), uint32(100+k-1)
					if k == 0 {
						o.TSEcr = 0
					}
				}
				each(t0.Add(time.Duration(n)*time.Microsecond), &seg)
				n++
			}
		}
	}
}

// BenchmarkAnalyzeMillion analyses a capture of one million packets on
// disk: 10,000 connections of 100 packets, 100 open at a time, with
// timestamps on every segment and 1448-byte data segments recorded with
// a snap length of 128 bytes (tcpdump -s 128, headers only), raw IP. When
// tshark is installed it also times tshark -r FILE -q -z conv,tcp on the
// same file in the same run, and reports both rates and their ratio.
func BenchmarkAnalyzeMillion(b *testing.B) {
	const conns, active, per = 10000, 100, 100
	path := filepath.Join(b.TempDir(), "million.pcap")
	writeSnapCapture(b, path, 128, func(each func(time.Time, *tcpstate.Segment)) {
		benchConnections(conns, active, per, 1448, true, each)
	})
	benchAgainstTshark(b, path, func(a *Analysis) {
		if len(a.TCP) != conns || a.Packets != conns*per {
			b.Fatal(len(a.TCP), a.Packets)
		}
		if client, server := a.TCP[conns-1].States(); client != tcpstate.TimeWait || server != tcpstate.Closed {
			b.Fatal("states", client, server)
		}
	})
}

// BenchmarkAnalyzeFile analyses the capture named by TCPSIM_BENCH_CAPTURE
// (skipped without it), for instance one made by
// testdata/record-million.sh, and times tshark on it as
// BenchmarkAnalyzeMillion does.
func BenchmarkAnalyzeFile(b *testing.B) {
	path := os.Getenv("TCPSIM_BENCH_CAPTURE")
	if path == "" {
		b.Skip("set TCPSIM_BENCH_CAPTURE to a capture file")
	}
	benchAgainstTshark(b, path, func(*Analysis) {})
}

// benchAgainstTshark analyses the capture at path in the benchmark's
// loop, checking each analysis, and reports packets per second; then, if
// tshark is installed, it times tshark -r path -q -z conv,tcp once and
// reports its rate and the ratio of the two.
func benchAgainstTshark(b *testing.B, path string, check func(*Analysis)) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	packets := 0
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		a, err := Analyze(bufio.NewReaderSize(f, 1<<20))
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		check(a)
		packets = a.Packets
	}
	ours := float64(b.N*packets) / b.Elapsed().Seconds()
	b.ReportMetric(ours, "packets/s")
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		return
	}
	b.StopTimer()
	start := time.Now() // a wall clock for the external program, outside the timed loop
	if out, err := exec.Command(tshark, "-r", path, "-q", "-z", "conv,tcp").CombinedOutput(); err != nil {
		b.Fatalf("tshark: %v: %s", err, out)
	}
	theirs := float64(packets) / time.Since(start).Seconds()
	b.ReportMetric(theirs, "tshark-packets/s")
	b.ReportMetric(ours/theirs, "times-tshark")
}

// writeSnapCapture writes the segments gen makes to a pcap file of raw IP
// packets (LINKTYPE_RAW) cut to snap bytes.
func writeSnapCapture(b *testing.B, path string, snap int, gen func(func(time.Time, *tcpstate.Segment))) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	hdr := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 101, 0, 0, 0}
	binary.LittleEndian.PutUint32(hdr[16:], uint32(snap))
	w.Write(hdr)
	var enc Encoder
	var rec [16]byte
	gen(func(at time.Time, seg *tcpstate.Segment) {
		pkt, err := enc.Segment(seg)
		if err != nil {
			b.Fatal(err)
		}
		n := min(len(pkt), snap)
		binary.LittleEndian.PutUint32(rec[0:], uint32(at.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(at.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(n))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(pkt)))
		w.Write(rec[:])
		w.Write(pkt[:n])
	})
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
