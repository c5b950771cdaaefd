package capture

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// epoch is the sim's virtual epoch, 2000-01-01 00:00:00 UTC, Unix time
// 946684800.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// record is one packet of a test scenario: a TCP segment, or a UDP
// datagram when seg is nil.
type record struct {
	at       time.Duration // after epoch
	seg      *tcpstate.Segment
	src, dst netip.AddrPort
	payload  []byte
	comment  string
}

// scenario returns a consistent exchange between client and server (the
// ports are unassigned ones, so that tshark decodes nothing above TCP and
// UDP): handshake with Linux's SYN options, a lost data segment and its
// retransmission, a SACK, a duplicate, the close, then two UDP datagrams.
// Times have nanoseconds so that their resolution is checked.
func scenario(client, server netip.AddrPort) []record {
	const ciss, siss = 1000, 4294967000 // the server's ISN wraps around
	ts := func(v, e uint32) tcpstate.Options {
		return tcpstate.Options{HasTimestamps: true, TSVal: v, TSEcr: e}
	}
	seg := func(src, dst netip.AddrPort, seq, ack uint32, f tcpstate.Flags, o tcpstate.Options, p string) *tcpstate.Segment {
		return &tcpstate.Segment{Src: src, Dst: dst, Seq: seqVal(seq), Ack: seqVal(ack), Flags: f, Window: 502, Options: o, Payload: []byte(p)}
	}
	synAck := synOptions
	synAck.TSVal, synAck.TSEcr = 50, 1
	c, s := client, server
	A, S, P, F := tcpstate.ACK, tcpstate.SYN, tcpstate.PSH, tcpstate.FIN
	sack := ts(4, 52)
	sack.NumSACK = 1
	sack.SACKBlocks[0] = tcpstate.SACKBlock{Left: seqVal(siss + 1 + 5), Right: seqVal(siss + 1 + 10)}
	return []record{
		{at: 1, seg: seg(c, s, ciss, 0, S, synOptions, ""), comment: "client CLOSED -> SYN-SENT"},
		{at: 10*time.Millisecond + 7, seg: seg(s, c, siss, ciss+1, S|A, synAck, ""), comment: "server LISTEN -> SYN-RECEIVED"},
		{at: 20*time.Millisecond + 123, seg: seg(c, s, ciss+1, siss+1, A, ts(2, 50), ""), comment: "client SYN-SENT -> ESTABLISHED"},
		{at: 30 * time.Millisecond, seg: seg(s, c, siss+1, ciss+1, P|A, ts(51, 2), "hello"), comment: "dropped by link: loss"},
		{at: 30*time.Millisecond + 1, seg: seg(s, c, siss+6, ciss+1, P|A, ts(52, 2), "world"), comment: "server ESTABLISHED"},
		{at: 40 * time.Millisecond, seg: seg(c, s, ciss+1, siss+1, A, sack, ""), comment: ""},
		{at: 40*time.Millisecond + 999_999, seg: seg(c, s, ciss+1, siss+1, A, sack, ""), comment: "duplicated by link"},
		{at: 250 * time.Millisecond, seg: seg(s, c, siss+1, ciss+1, P|A, ts(60, 4), "hello"), comment: "retransmitted after RTO"},
		{at: 260 * time.Millisecond, seg: seg(c, s, ciss+1, siss+11, F|A, ts(14, 60), ""), comment: "client ESTABLISHED -> FIN-WAIT-1"},
		{at: 270 * time.Millisecond, seg: seg(s, c, siss+11, ciss+2, F|A, ts(70, 14), ""), comment: "server CLOSE-WAIT -> LAST-ACK"},
		{at: 280 * time.Millisecond, seg: seg(c, s, ciss+2, siss+12, A, ts(24, 70), ""), comment: "client FIN-WAIT-2 -> TIME-WAIT"},
		{at: time.Second, src: c, dst: s, payload: []byte("ping"), comment: "udp send"},
		{at: time.Second + 5, src: s, dst: c, payload: []byte("pong!"), comment: "datagram answered"},
	}
}

func seqVal(v uint32) seqnum.Value { return seqnum.Value(v) }

// writeScenario writes recs to w.
func writeScenario(t *testing.T, w *Writer, recs []record) {
	t.Helper()
	for i, r := range recs {
		var err error
		if r.seg != nil {
			err = w.WriteSegment(epoch.Add(r.at), *r.seg, r.comment)
		} else {
			err = w.WriteDatagram(epoch.Add(r.at), r.src, r.dst, r.payload, r.comment)
		}
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}
