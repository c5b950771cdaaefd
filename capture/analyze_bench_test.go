package capture

import (
	"bufio"
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// BenchmarkAnalyze analyses a pcap file of 1,000 connections of 100
// packets each (100,000 packets, interleaved), with both ends' states
// reconstructed, reporting packets per second.
func BenchmarkAnalyze(b *testing.B) {
	const conns, per = 1000, 100
	file := benchCapture(b, conns, per)
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

// benchCapture writes conns connections of per packets each, taking turns
// packet by packet: the handshake, the client's 100-byte segments each
// acknowledged by the server, and a close from the client (RFC 9293 §3.5
// Figure 6, §3.6 Figure 12).
func benchCapture(b *testing.B, conns, per int) []byte {
	if per%2 != 0 || per < 8 {
		b.Fatal("benchCapture needs an even number of packets, at least 8")
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, PCAP, Ethernet)
	if err != nil {
		b.Fatal(err)
	}
	server := netip.MustParseAddrPort("198.18.0.2:80")
	payload := make([]byte, 100)
	t0 := time.Unix(1000, 0)
	const ciss, siss = seqnum.Value(1000), seqnum.Value(5000)
	for k := range per {
		for i := range conns {
			client := netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), uint16(10000+i))
			// The client's bytes before packet k: its segments are the
			// odd packets from 3 to per-4.
			sent := seqnum.Size(max(0, (min(k, per-3)-2)/2)) * 100
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
			if err := w.WriteSegment(t0.Add(time.Duration(k*conns+i)*time.Microsecond), seg, ""); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkAnalyzeMillion analyses a pcap file of one million packets,
// 10,000 connections of 100 packets, as BenchmarkAnalyze, and, when
// tshark is installed, times tshark -r FILE -q -z conv,tcp on the same
// file in the same run, reporting both rates and their ratio.
func BenchmarkAnalyzeMillion(b *testing.B) {
	const conns, per = 10000, 100
	file := benchCapture(b, conns, per)
	path := filepath.Join(b.TempDir(), "million.pcap")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		a, err := Analyze(bufio.NewReaderSize(f, 1<<20))
		f.Close()
		if err != nil || len(a.TCP) != conns || a.Packets != conns*per {
			b.Fatal(err, len(a.TCP), a.Packets)
		}
	}
	ours := float64(b.N*conns*per) / b.Elapsed().Seconds()
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
	theirs := float64(conns*per) / time.Since(start).Seconds()
	b.ReportMetric(theirs, "tshark-packets/s")
	b.ReportMetric(ours/theirs, "times-tshark")
}
