package capture

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// tsharkConversations computes, from tshark's reading of each TCP packet
// (the .tshark and .streams files beside a capture), what Analyze should
// report for each stream.
func tsharkConversations(t *testing.T, name string) []Conversation {
	fields, err := os.ReadFile("testdata/" + name + ".tshark")
	require.NoError(t, err)
	streams, err := os.ReadFile("testdata/" + name + ".streams")
	require.NoError(t, err)
	pkts := strings.Split(strings.TrimSpace(string(fields)), "\n")
	ids := strings.Split(strings.TrimSpace(string(streams)), "\n")
	require.Len(t, ids, len(pkts))
	var convs []Conversation
	var fin [][2]bool
	for i, line := range pkts {
		f := strings.Split(line, "\t")
		id, _ := strconv.Atoi(strings.Split(ids[i], "\t")[1])
		srcPort, _ := strconv.Atoi(f[3])
		flags, _ := strconv.ParseUint(strings.TrimPrefix(f[9], "0x"), 16, 16)
		n, _ := strconv.Atoi(f[11])
		seq, _ := strconv.ParseUint(f[7], 10, 32)
		if id == len(convs) {
			require.Equal(t, uint64(0x002), flags, "each stream here opens with a SYN")
			convs = append(convs, Conversation{Stream: id, End: EndOpen})
			convs[id].Client = netipPort(t, f, 1, 3)
			convs[id].Server = netipPort(t, f, 4, 6)
			fin = append(fin, [2]bool{})
		}
		c := &convs[id]
		dir := 0
		if srcPort != int(c.Client.Port()) {
			dir = 1
		}
		c.Packets[dir]++
		c.Bytes[dir] += int64(n)
		switch {
		case flags == 0x002 && !c.SYN:
			c.SYN, c.ClientISN = true, seqnum.Value(uint32(seq))
		case flags == 0x012 && !c.SYNACK:
			c.SYNACK, c.ServerISN = true, seqnum.Value(uint32(seq))
		}
		if flags&0x001 != 0 {
			fin[id][dir] = true
		}
		switch {
		case flags&0x004 != 0 && c.End != EndRST:
			c.End, c.RSTFromServer = EndRST, dir == 1
		case c.End == EndRST:
		case fin[id][0] && fin[id][1]:
			c.End = EndFINFIN
		case fin[id][0] || fin[id][1]:
			c.End = EndFIN
		}
	}
	return convs
}

func TestAnalyzeLikeTshark(t *testing.T) {
	want := tsharkConversations(t, "streams.pcapng")
	f, err := os.Open("testdata/streams.pcapng")
	require.NoError(t, err)
	defer f.Close()
	a, err := Analyze(f)
	require.NoError(t, err)
	assert.Zero(t, a.Problems)
	require.Len(t, a.TCP, len(want))
	for i, c := range a.TCP {
		w := want[i]
		assert.Equal(t, w.Client, c.Client, "stream %d", i)
		assert.Equal(t, w.Server, c.Server, "stream %d", i)
		assert.Equal(t, w.Packets, c.Packets, "stream %d", i)
		assert.Equal(t, w.Bytes, c.Bytes, "stream %d", i)
		assert.Equal(t, [2]bool{w.SYN, w.SYNACK}, [2]bool{c.SYN, c.SYNACK}, "stream %d", i)
		assert.Equal(t, w.ClientISN, c.ClientISN, "stream %d", i)
		assert.Equal(t, w.ServerISN, c.ServerISN, "stream %d", i)
		assert.True(t, c.HandshakeACK, "stream %d: the kernel completes every handshake", i)
		assert.False(t, c.MidStream)
		assert.Equal(t, w.End, c.End, "stream %d", i)
		assert.Equal(t, w.RSTFromServer, c.RSTFromServer, "stream %d", i)
		assert.LessOrEqual(t, c.First, c.Last)
	}
	// The script's endings: three closed with a FIN each way, two reset
	// by the client.
	assert.Equal(t, []End{EndFINFIN, EndFINFIN, EndFINFIN, EndRST, EndRST},
		[]End{a.TCP[0].End, a.TCP[1].End, a.TCP[2].End, a.TCP[3].End, a.TCP[4].End})
	// Three datagrams of 2 bytes from one socket: one flow (tshark:
	// udp.stream 0 for all three).
	require.Len(t, a.UDP, 1)
	assert.Equal(t, [2]int{3, 0}, a.UDP[0].Packets)
	assert.Equal(t, [2]int64{6, 0}, a.UDP[0].Bytes)
	assert.Equal(t, uint16(47003), a.UDP[0].Server.Port())
}

// netipPort reads the address (IPv4 at column v4, IPv6 at v4+1) and the
// port at column port of a .tshark line.
func netipPort(t *testing.T, f []string, v4, port int) netip.AddrPort {
	a := f[v4]
	if a == "" {
		a = f[v4+1]
	}
	p, err := strconv.Atoi(f[port])
	require.NoError(t, err)
	return netip.AddrPortFrom(netip.MustParseAddr(a), uint16(p))
}

// Without a SYN, the end with the lower port is taken for the server and
// the conversation is marked mid-stream; a SYN-ACK first makes its
// receiver the client.
func TestAnalyzeWithoutSYN(t *testing.T) {
	hi, lo := netip.MustParseAddrPort("198.18.0.1:49152"), netip.MustParseAddrPort("198.18.0.2:80")
	an := NewAnalyzer()
	t0 := time.Unix(100, 0)
	seg := tcpstate.Segment{Src: lo, Dst: hi, Flags: tcpstate.ACK, Payload: []byte("abc")}
	an.Add(Record{Time: t0, Number: 1}, Packet{Kind: TCP, Segment: seg, Len: 3})
	seg = tcpstate.Segment{Src: lo, Dst: hi, Flags: tcpstate.SYN | tcpstate.ACK, Seq: 9}
	seg.Src = netip.MustParseAddrPort("198.18.0.2:81")
	an.Add(Record{Time: t0.Add(time.Second), Number: 2}, Packet{Kind: TCP, Segment: seg})
	a := an.Analysis()
	require.Len(t, a.TCP, 2)
	assert.True(t, a.TCP[0].MidStream)
	assert.Equal(t, lo, a.TCP[0].Server)
	assert.Equal(t, [2]int64{0, 3}, a.TCP[0].Bytes, "server to client")
	assert.False(t, a.TCP[1].MidStream)
	assert.Equal(t, hi, a.TCP[1].Client)
	assert.True(t, a.TCP[1].SYNACK)
	assert.Equal(t, time.Second, a.TCP[1].First)
	assert.Equal(t, EndOpen, a.TCP[1].End)
}

// The initial RTT is tshark's tcp.analysis.initial_rtt (the .rtt files
// beside the captures, testdata/rtt-oracle.sh), to the nanosecond; the
// options are those of the kernel's SYN and SYN-ACK, as tshark reads
// them (the .tshark files).
func TestAnalyzeInitialRTTAndOptions(t *testing.T) {
	for _, name := range []string{"streams.pcapng", "lo4.pcap", "lo6.pcapng", "sll.pcap", "sll2.pcapng"} {
		f, err := os.Open("testdata/" + name)
		require.NoError(t, err)
		a, err := Analyze(f)
		f.Close()
		require.NoError(t, err)
		rtts, err := os.ReadFile("testdata/" + name + ".rtt")
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(rtts)), "\n")
		require.Len(t, lines, len(a.TCP), name)
		for i, line := range lines {
			f := strings.Split(line, "\t")
			secs, err := strconv.ParseFloat(f[1], 64)
			require.NoError(t, err)
			c := a.TCP[i]
			assert.Equal(t, f[0], strconv.Itoa(c.Stream))
			assert.InDelta(t, secs, c.InitialRTT.Seconds(), 1e-10, "%s stream %d", name, i)
			for _, o := range []struct {
				flags string
				got   tcpstate.Options
			}{{"0x0002", c.ClientOptions}, {"0x0012", c.ServerOptions}} {
				want := tsharkSYNOptions(t, name, o.flags)[i]
				assert.Equal(t, want, [4]string{strconv.Itoa(int(o.got.MSS)), strconv.Itoa(int(o.got.WindowScale)),
					strconv.FormatBool(o.got.SACKPermitted), strconv.FormatBool(o.got.HasTimestamps)},
					"%s stream %d, flags %s", name, i, o.flags)
			}
		}
	}
}

// A SYN sent again restarts the initial RTT: in loss.pcapng
// (testdata/record-loss.sh) the first SYN of stream 2 is lost and sent
// again a second later, and tshark's tcp.analysis.initial_rtt (the .rtt
// file) runs from the second.
func TestAnalyzeInitialRTTFromLastSYN(t *testing.T) {
	f, err := os.Open("testdata/loss.pcapng")
	require.NoError(t, err)
	defer f.Close()
	a, err := Analyze(f)
	require.NoError(t, err)
	rtts, err := os.ReadFile("testdata/loss.pcapng.rtt")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(rtts)), "\n")
	require.Len(t, lines, len(a.TCP))
	for i, line := range lines {
		f := strings.Split(line, "\t")
		secs, err := strconv.ParseFloat(f[1], 64)
		require.NoError(t, err)
		assert.Equal(t, f[0], strconv.Itoa(a.TCP[i].Stream))
		assert.InDelta(t, secs, a.TCP[i].InitialRTT.Seconds(), 1e-10, "stream %d", i)
	}
	assert.Less(t, a.TCP[2].InitialRTT, time.Millisecond, "not from the lost SYN")
}

// tsharkSYNOptions reads, from tshark's reading of a capture, the MSS,
// window shift, SACK-permitted and timestamps of each segment with the
// given flags (0x0002 SYN, 0x0012 SYN-ACK), in order.
func tsharkSYNOptions(t *testing.T, name, flags string) [][4]string {
	b, err := os.ReadFile("testdata/" + name + ".tshark")
	require.NoError(t, err)
	var out [][4]string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if f[9] == flags {
			out = append(out, [4]string{f[12], f[13], strconv.FormatBool(f[14] != ""), strconv.FormatBool(f[15] != "")})
		}
	}
	return out
}

// Relative sequence and acknowledgment numbers and the calculated window
// are tshark's tcp.seq, tcp.ack and tcp.window_size (the .rel files,
// testdata/rel-oracle.sh).
func TestAnalyzeRelativeLikeTshark(t *testing.T) {
	// midstream.pcap is lo4.pcap without its handshake (editcap lo4.pcap
	// midstream.pcap 1-3): numbers start at 1, and the window is not
	// scaled, as neither SYN was seen.
	for _, name := range []string{"streams.pcapng", "lo4.pcap", "lo6.pcapng", "sll.pcap", "sll2.pcapng", "midstream.pcap"} {
		want, err := os.ReadFile("testdata/" + name + ".rel")
		require.NoError(t, err)
		an := NewAnalyzer()
		var got strings.Builder
		decodeFile(t, name, func(rec Record, p Packet) {
			in := an.Add(rec, p)
			if p.Kind == TCP {
				fmt.Fprintf(&got, "%d\t%d\t%d\t%d\t%d\n", rec.Number, in.Stream, in.RelSeq, in.RelAck, in.Window)
			}
		})
		assert.Equal(t, string(want), got.String(), name)
	}
}
