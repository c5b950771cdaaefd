package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// stateTrace feeds a capture to an Analyzer and returns both ends' states
// after each TCP segment, and the analysis.
func stateTrace(t *testing.T, data []byte) ([][2]tcpstate.State, *Analysis) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	d, an := NewDecoder(), NewAnalyzer()
	var states [][2]tcpstate.State
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return states, an.Analysis()
		}
		require.NoError(t, err)
		p, err := d.Decode(rec)
		require.NoError(t, err)
		in := an.Add(rec, p)
		if p.Kind == TCP {
			states = append(states, [2]tcpstate.State{in.ClientState, in.ServerState})
		}
	}
}

const (
	closed      = tcpstate.Closed
	synSent     = tcpstate.SynSent
	synReceived = tcpstate.SynReceived
	established = tcpstate.Established
	finWait1    = tcpstate.FinWait1
	closeWait   = tcpstate.CloseWait
	lastAck     = tcpstate.LastAck
	timeWait    = tcpstate.TimeWait
)

// normalClose is what the states must be on each packet of the
// recordings of record-lo.sh: the client connects, sends 3000 bytes, the
// server echoes them, and the client closes first. Read against RFC 9293
// §3.5 Figure 6 (the handshake) and §3.6 Figure 12 (a normal close); the
// server's FIN carries the ACK of the client's, so the client goes from
// FIN-WAIT-1 straight to TIME-WAIT (§3.10.7.4, "If our FIN has been ACKed
// (perhaps in this segment), then enter TIME-WAIT").
var normalClose = [][2]tcpstate.State{
	{synSent, synReceived},     // 1: SYN
	{established, synReceived}, // 2: SYN-ACK
	{established, established}, // 3: ACK
	{established, established}, // 4: 3000 bytes
	{established, established}, // 5: their ACK
	{established, established}, // 6: 3000 bytes echoed
	{established, established}, // 7: their ACK
	{finWait1, closeWait},      // 8: the client's FIN
	{timeWait, lastAck},        // 9: the server's FIN, acknowledging the client's
	{timeWait, closed},         // 10: the last ACK
}

func TestStatesOfANormalClose(t *testing.T) {
	for _, name := range []string{"lo4.pcap", "lo6.pcapng", "sll.pcap", "sll2.pcapng"} {
		data, err := os.ReadFile("testdata/" + name)
		require.NoError(t, err)
		got, a := stateTrace(t, data)
		require.Equal(t, normalClose, got, name)
		client, server := a.TCP[0].States()
		require.Equal(t, [2]tcpstate.State{timeWait, closed}, [2]tcpstate.State{client, server}, name)
	}
}

// A capture without the handshake starts both ends in ESTABLISHED. In
// midstream.pcap (lo4.pcap from packet 4 on) the end with the lower port
// is taken for the server: that is lo4's client, which closes first.
func TestStatesMidStream(t *testing.T) {
	data, err := os.ReadFile("testdata/midstream.pcap")
	require.NoError(t, err)
	got, _ := stateTrace(t, data)
	var want [][2]tcpstate.State
	for _, s := range normalClose[3:] {
		want = append(want, [2]tcpstate.State{s[1], s[0]})
	}
	require.Equal(t, want, got)
}

// Packets cut by the snap length still carry their length on the wire,
// which is what moves the sequence space: lo4.pcap cut to 80 bytes (every
// payload gone) gives the same states, and the server has RCV.NXT past the
// client's 3000 bytes as soon as they arrive (packet 4), before its ACK
// says so.
func TestStatesTruncated(t *testing.T) {
	data, err := os.ReadFile("testdata/lo4.pcap")
	require.NoError(t, err)
	// 54 bytes leave the TCP header without its options: Ethernet, IPv4
	// and 20 bytes of TCP (tcpdump -s 54, tshark reads them the same).
	got, _ := stateTrace(t, snap(t, data, 54))
	require.Equal(t, normalClose, got, "headers cut")
	cut := snap(t, data, 80)
	got, _ = stateTrace(t, cut)
	require.Equal(t, normalClose, got)

	r, err := NewReader(bytes.NewReader(cut))
	require.NoError(t, err)
	d, an := NewDecoder(), NewAnalyzer()
	for range 4 {
		rec, err := r.Next()
		require.NoError(t, err)
		p, err := d.Decode(rec)
		require.NoError(t, err)
		an.Add(rec, p)
	}
	c := an.Analysis().TCP[0]
	require.Equal(t, c.ClientISN.Add(3001), c.states.ends[1].TCB().RcvNxt)
}

// snap cuts every record of a pcap file to n bytes, as editcap -s n.
func snap(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	out := pcapHeader(uint32(n), 1)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		cut := rec.Data[:min(len(rec.Data), n)]
		out = append(out, pcapRecord(uint32(len(cut)), uint32(rec.Length), cut)...)
	}
}

// streams.pcapng (record-streams.sh): three connections closed normally,
// then two from one client port, each aborted by the client with a RST
// (SO_LINGER 0): RFC 9293 §3.10.5 for the client, §3.10.7.4 ("If the RST
// bit is set ... ESTABLISHED ... Enter the CLOSED state") for the server.
func TestStatesOfStreams(t *testing.T) {
	data, err := os.ReadFile("testdata/streams.pcapng")
	require.NoError(t, err)
	_, a := stateTrace(t, data)
	want := [][2]tcpstate.State{{timeWait, closed}, {timeWait, closed}, {timeWait, closed}, {closed, closed}, {closed, closed}}
	var got [][2]tcpstate.State
	for _, c := range a.TCP {
		client, server := c.States()
		got = append(got, [2]tcpstate.State{client, server})
	}
	require.Equal(t, want, got)
}

// simopen.pcapng (record-simopen.sh): both ends open at once and close at
// once. RFC 9293 §3.5 Figure 7: each goes SYN-SENT, SYN-RECEIVED on the
// other's SYN, ESTABLISHED on the other's SYN-ACK. §3.6 Figure 13: each
// FIN crosses the other's, so both go FIN-WAIT-1, CLOSING, TIME-WAIT. The
// capture shows the client's FIN first: the server's FIN acknowledges
// nothing of it, which tells that the server sent it before the client's
// arrived.
func TestStatesSimultaneous(t *testing.T) {
	data, err := os.ReadFile("testdata/simopen.pcapng")
	require.NoError(t, err)
	got, _ := stateTrace(t, data)
	closing := tcpstate.Closing
	require.Equal(t, [][2]tcpstate.State{
		{synSent, synReceived},     // 1: the client's SYN (the server is taken to listen)
		{synReceived, synReceived}, // 2: the server's SYN: it had opened too
		{synReceived, established}, // 3: the client's SYN-ACK
		{established, established}, // 4: the server's SYN-ACK
		{established, established}, // 5
		{established, established}, // 6
		{established, established}, // 7
		{established, established}, // 8
		{established, established}, // 9
		{established, established}, // 10
		{finWait1, closeWait},      // 11: the client's FIN
		{closing, closing},         // 12: the server's FIN, not acknowledging the client's
		{closing, timeWait},        // 13: the client's ACK of it
		{timeWait, timeWait},       // 14: the server's ACK
	}, got)
}

// rst.pcapng (record-rst.sh): a SYN to a port nobody listens on, refused
// with a RST (RFC 9293 §3.10.7.1; §3.10.7.3: "If the ACK was acceptable,
// then signal to the user 'error: connection reset', drop the segment,
// enter CLOSED state"), then a connection the client aborts with a RST
// (§3.10.5).
func TestStatesReset(t *testing.T) {
	data, err := os.ReadFile("testdata/rst.pcapng")
	require.NoError(t, err)
	got, a := stateTrace(t, data)
	require.Equal(t, [2]tcpstate.State{closed, closed}, got[1], "refused")
	require.Equal(t, [2]tcpstate.State{closed, closed}, got[len(got)-1], "aborted")
	require.Len(t, a.TCP, 2)
}

// Loss, reordering and a closed window change nothing of the states at
// the end: each of these connections closes normally, the client first.
func TestStatesAfterLossReorderingAndZeroWindow(t *testing.T) {
	for _, name := range []string{"loss.pcapng", "reorder.pcapng", "zerowin.pcapng", "keepalive.pcapng"} {
		data, err := os.ReadFile("testdata/" + name)
		require.NoError(t, err)
		_, a := stateTrace(t, data)
		for _, c := range a.TCP {
			client, server := c.States()
			require.Equal(t, [2]tcpstate.State{timeWait, closed}, [2]tcpstate.State{client, server}, "%s stream %d", name, c.Stream)
		}
	}
}

// A capture that starts with the SYN-ACK (the SYN before it lost or not
// captured): the client's SYN is put back from what the SYN-ACK shows,
// its timestamp the one the SYN-ACK echoes, so that the server's observer
// does not take the client's later segments for old ones (RFC 7323 §5,
// PAWS), and the connection runs to its normal end.
func TestStatesFromTheSYNACK(t *testing.T) {
	data, err := os.ReadFile("testdata/lo4.pcap")
	require.NoError(t, err)
	r, err := NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	file := pcapHeader(65535, 1)
	for i := 0; ; i++ {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if i > 0 {
			file = append(file, pcapRecord(uint32(len(rec.Data)), uint32(rec.Length), rec.Data)...)
		}
	}
	got, _ := stateTrace(t, file)
	require.Equal(t, normalClose[1:], got)
}
