package kernelnet

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Two identical traces have no difference; one segment changed is one,
// and a segment missing one way is one more.
func TestDiffTwins(t *testing.T) {
	a := []TwinSegment{{Flags: tcpstate.SYN}, {FromServer: true, Flags: tcpstate.SYN | tcpstate.ACK, Ack: 1},
		{Flags: tcpstate.ACK, Seq: 1, Ack: 1}}
	assert.Empty(t, diffTwins(a, a))
	b := append([]TwinSegment(nil), a...)
	b[2].Window = 5
	d := diffTwins(a, b)
	require.Len(t, d, 1)
	assert.False(t, d[0].FromServer)
	assert.Equal(t, 1, d[0].Index, "the client's second segment")
	assert.Len(t, diffTwins(a, b[:2]), 1)
}

// normalize keeps the connection the first SYN opens, from its sender's
// side, with numbers relative to each ISN; a segment of another
// connection before it is left out.
func TestNormalize(t *testing.T) {
	c, s := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:47000")
	other := netip.MustParseAddrPort("127.0.0.1:39999")
	trace := []TraceSegment{
		{Seg: tcpstate.Segment{Src: s, Dst: other, Seq: 7, Ack: 9, Flags: tcpstate.ACK}},
		{Seg: tcpstate.Segment{Src: c, Dst: s, Seq: 1000, Flags: tcpstate.SYN, Window: 64240}},
		{Seg: tcpstate.Segment{Src: s, Dst: c, Seq: 5000, Ack: 1001, Flags: tcpstate.SYN | tcpstate.ACK, Window: 65160}},
		{Seg: tcpstate.Segment{Src: c, Dst: s, Seq: 1001, Ack: 5001, Flags: tcpstate.ACK | tcpstate.PSH, Window: 502}, Len: 10},
	}
	got := normalize(trace)
	require.Len(t, got, 3)
	assert.Equal(t, "c>s S   seq 0 win 64240 len 0", got[0].String())
	assert.Equal(t, "s>c S.  seq 0 ack 1 win 65160 len 0", got[1].String())
	assert.Equal(t, "c>s P.  seq 1 ack 1 win 502 len 10", got[2].String())
}

// A script is refused before it runs when a step has no connection to act
// on; every shipped scenario passes the check.
func TestTwinScriptCheck(t *testing.T) {
	for _, sc := range TwinScenarios {
		if err := sc.check(); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
	}
	for name, steps := range map[string][]TwinStep{
		"write before connect":  {c(OpWrite, 1)},
		"server connects":       {s(OpConnect, 0)},
		"connect twice":         {c(OpConnect, 0), c(OpConnect, 0)},
		"write after close":     {c(OpConnect, 0), c(OpClose, 0), c(OpWrite, 1)},
		"server reads, refused": {c(OpConnect, 0), s(OpRead, 1)},
	} {
		sc := TwinScenario{Name: name, Steps: steps, NoListener: name == "server reads, refused"}
		if err := sc.check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
