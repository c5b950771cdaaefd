package capture

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
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

// TestStreams numbers a made-up sequence of segments that tries the
// rules (a retransmitted SYN, a new SYN before the end, reuse after FINs
// and after a RST) and compares with tshark's tcp.stream for the same
// segments written to a file. Direction is ours: the way of the stream's
// first packet.
func TestStreams(t *testing.T) {
	c, s := netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("198.18.0.2:80")
	other := netip.MustParseAddrPort("198.18.0.3:49152")
	seg := func(src, dst netip.AddrPort, flags tcpstate.Flags, seq uint32) tcpstate.Segment {
		return tcpstate.Segment{Src: src, Dst: dst, Flags: flags, Seq: seqnum.Value(seq), Window: 1000}
	}
	segs := []struct {
		seg     tcpstate.Segment
		forward bool
	}{
		{seg(c, s, tcpstate.SYN, 100), true},
		{seg(c, s, tcpstate.SYN, 100), true}, // retransmitted
		{seg(s, c, tcpstate.SYN|tcpstate.ACK, 500), false},
		{seg(other, s, tcpstate.SYN, 7), true},
		{seg(c, s, tcpstate.SYN, 900), true}, // another ISN before the end
		{seg(c, s, tcpstate.FIN|tcpstate.ACK, 101), true},
		{seg(s, c, tcpstate.FIN|tcpstate.ACK, 501), false},
		{seg(c, s, tcpstate.ACK, 102), true},
		{seg(c, s, tcpstate.SYN, 2000), true}, // after a FIN each way
		{seg(s, c, tcpstate.RST|tcpstate.ACK, 0), false},
		{seg(s, c, tcpstate.SYN, 3000), true}, // after a RST, from the other end
	}
	st := NewStreams()
	var ids []int
	for i, x := range segs {
		id, fwd := st.Add(&x.seg)
		assert.Equal(t, x.forward, fwd, "segment %d", i+1)
		ids = append(ids, id)
	}
	var plain []tcpstate.Segment
	for _, x := range segs {
		plain = append(plain, x.seg)
	}
	want := tsharkStreams(t, plain)
	assert.Equal(t, want, ids, "tshark's tcp.stream")
	assert.Equal(t, want[len(want)-1]+1, st.Len())
}

// madeUpCapture writes segs to a capture file, 1 ms apart, and returns
// its path.
func madeUpCapture(t *testing.T, segs []tcpstate.Segment) string {
	t.Helper()
	at := make([]time.Duration, len(segs))
	for i := range at {
		at[i] = time.Duration(i) * time.Millisecond
	}
	return madeUpCaptureAt(t, segs, at)
}

// madeUpCaptureAt writes segs to a capture file, each at its time in at,
// and returns its path.
func madeUpCaptureAt(t *testing.T, segs []tcpstate.Segment, at []time.Duration) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "madeup.pcap")
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err := NewWriter(f, PCAP, Ethernet)
	require.NoError(t, err)
	for i, seg := range segs {
		require.NoError(t, w.WriteSegment(time.Unix(1000, 0).Add(at[i]), seg, ""))
	}
	require.NoError(t, w.Flush())
	require.NoError(t, f.Close())
	return path
}

// tsharkLines runs tshark on the capture at path with args (-T fields
// and the fields) and returns its lines.
func tsharkLines(t *testing.T, path string, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tshark(t), append([]string{"-r", path}, args...)...)
	cmd.Env = append(os.Environ(), "WIRESHARK_CONFIG_DIR="+t.TempDir(), "LC_ALL=C")
	out, err := cmd.Output()
	require.NoError(t, err)
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// tsharkStreams returns tshark's tcp.stream for each of segs.
func tsharkStreams(t *testing.T, segs []tcpstate.Segment) []int {
	t.Helper()
	var ids []int
	for _, line := range tsharkLines(t, madeUpCapture(t, segs), "-T", "fields", "-e", "tcp.stream") {
		n, err := strconv.Atoi(line)
		require.NoError(t, err)
		ids = append(ids, n)
	}
	return ids
}

// A SYN on a 4-tuple whose capture began in the middle starts a new
// stream when its sequence number is not its end's base: one less than
// the end's first sequence number seen, or than the other end's first
// acknowledgment. Each case on its own 4-tuple, against tshark.
func TestStreamsAfterMidStream(t *testing.T) {
	s := netip.MustParseAddrPort("198.18.0.2:80")
	var segs []tcpstate.Segment
	port := uint16(50000)
	seg := func(src, dst netip.AddrPort, flags tcpstate.Flags, seq, ack uint32) {
		segs = append(segs, tcpstate.Segment{Src: src, Dst: dst, Flags: flags, Seq: seqnum.Value(seq), Ack: seqnum.Value(ack), Window: 1000})
	}
	next := func() netip.AddrPort {
		port++
		return netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), port)
	}
	c := next() // the client's SYN after its data: new
	seg(c, s, tcpstate.ACK, 1000, 7000)
	seg(s, c, tcpstate.ACK, 7000, 1000)
	seg(c, s, tcpstate.SYN, 5000, 0)
	c = next() // a SYN at the first sequence number seen: not the base, new
	seg(c, s, tcpstate.ACK, 1000, 7000)
	seg(c, s, tcpstate.SYN, 1000, 0)
	c = next() // a SYN one below it, at the base: the same stream
	seg(c, s, tcpstate.ACK, 1000, 7000)
	seg(c, s, tcpstate.SYN, 999, 0)
	c = next() // the server's SYN after only the client's segments: new
	seg(c, s, tcpstate.ACK, 1000, 7000)
	seg(s, c, tcpstate.SYN, 3000, 0)
	c = next() // the server's SYN at the base the client's ACK gave it
	seg(c, s, tcpstate.ACK, 1000, 7000)
	seg(s, c, tcpstate.SYN|tcpstate.ACK, 6999, 1001)
	c = next() // after a RST without ACK, a SYN from the end not seen
	seg(s, c, tcpstate.RST, 7000, 0)
	seg(c, s, tcpstate.SYN, 100, 0)
	st := NewStreams()
	var ids []int
	for i := range segs {
		id, _ := st.Add(&segs[i])
		ids = append(ids, id)
	}
	assert.Equal(t, tsharkStreams(t, segs), ids, "tshark's tcp.stream")
}

// An IPv4 address and the same address mapped into IPv6 (RFC 4291
// §2.5.5.2) are different endpoints: two streams, as tshark numbers them.
func TestStreamsIPv4AndMapped(t *testing.T) {
	s := NewStreams()
	v4 := tcpstate.Segment{Src: netip.MustParseAddrPort("198.18.0.1:40000"), Dst: netip.MustParseAddrPort("198.18.0.2:80"), Flags: tcpstate.SYN}
	mapped := v4
	mapped.Src = netip.MustParseAddrPort("[::ffff:198.18.0.1]:40000")
	mapped.Dst = netip.MustParseAddrPort("[::ffff:198.18.0.2]:80")
	a, _ := s.Add(&v4)
	b, _ := s.Add(&mapped)
	if a != 0 || b != 1 {
		t.Fatalf("streams %d and %d; want 0 and 1", a, b)
	}
}
