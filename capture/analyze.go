package capture

import (
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Conversation is what a capture shows of one TCP connection.
type Conversation struct {
	Stream int // as tshark's tcp.stream
	// Client sent the first SYN, Server answered it. Without a SYN in the
	// capture, the end with the lower port is taken for the server and
	// MidStream is set.
	Client, Server netip.AddrPort
	MidStream      bool
	Tally
	// The handshake as seen: the client's SYN, the server's SYN-ACK, and
	// the client's ACK of it (RFC 9293 §3.5).
	SYN, SYNACK, HandshakeACK bool
	ClientISN, ServerISN      seqnum.Value // valid with SYN, SYNACK
	// The options of the client's SYN and the server's SYN-ACK: what each
	// end offered (RFC 9293 §3.7.1, RFC 7323, RFC 2018).
	ClientOptions, ServerOptions tcpstate.Options
	// InitialRTT is from the client's last SYN before it to the ACK of
	// the SYN-ACK, as Wireshark's tcp.analysis.initial_rtt; valid with
	// SYN and HandshakeACK.
	InitialRTT    time.Duration
	synAt         time.Duration   // the client's last SYN
	base          [2]seqnum.Value // sequence numbers are shown relative to these
	baseSet       [2]bool
	End           End
	RSTFromServer bool // with End == EndRST: who reset it
	fin           [2]bool
	// Anomalies counts its packets by what the sequence analysis found
	// in them (SegmentInfo.Anomaly).
	Anomalies AnomalyCounts
	seq       seqAnalysis
	states    endStates
}

// States returns each end's RFC 9293 state after the last segment, as
// passive tcpstate observers reconstruct it from the capture.
func (c *Conversation) States() (client, server tcpstate.State) { return c.states.states() }

// End is how a connection ended, as far as the capture shows.
type End string

// The endings.
const (
	EndFINFIN End = "FIN/FIN" // a FIN each way
	EndFIN    End = "FIN"     // a FIN one way only
	EndRST    End = "RST"     // reset
	EndOpen   End = "open"    // neither
)

// Flow is what a capture shows of the UDP datagrams between two ports.
type Flow struct {
	Stream         int            // from 0 in order of first datagram, as tshark's udp.stream
	Client, Server netip.AddrPort // Client sent the first datagram
	Tally
}

// Tally counts a conversation's packets: when it was first and last seen
// (since the file's first packet), and packets and payload bytes
// (retransmissions included), client to server [0] and server to client
// [1].
type Tally struct {
	First, Last time.Duration
	Packets     [2]int
	Bytes       [2]int64
}

// add counts a packet of n payload bytes seen at in direction dir.
func (t *Tally) add(dir int, at time.Duration, n int) {
	t.Last = at
	t.Packets[dir]++
	t.Bytes[dir] += int64(n)
}

// direction is 0 for a packet from src to the server, 1 from the server.
func direction(src, server netip.AddrPort) int {
	if src == server {
		return 1
	}
	return 0
}

// Analysis is the report on a capture.
type Analysis struct {
	Packets  int // records read
	Problems int // records that could not be decoded
	// Undecoded lists the first MaxUndecoded of them, each error naming
	// its packet.
	Undecoded []error
	Fragments int // IP fragments, left out of the conversations
	TCP       []*Conversation
	UDP       []*Flow
}

// Analyzer builds an Analysis from packets fed one at a time.
type Analyzer struct {
	a       Analysis
	streams *Streams
	udp     map[tuplePair]*Flow
	start   time.Time
}

// NewAnalyzer returns an empty analyzer.
func NewAnalyzer() *Analyzer {
	return &Analyzer{streams: NewStreams(), udp: make(map[tuplePair]*Flow)}
}

// Analyze reads a whole capture. Records that do not decode are counted
// in Problems and the first of them listed; a damaged file is an error.
func Analyze(r io.Reader) (*Analysis, error) { return AnalyzeEach(r, nil) }

// AnalyzeEach is Analyze calling each, if not nil, with every packet that
// decodes and what the analysis made of it, in the order of the file.
// The record's data and the packet's payload are valid only during the
// call.
func AnalyzeEach(r io.Reader, each func(Record, *Packet, SegmentInfo)) (*Analysis, error) {
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	d, an := NewDecoder(), NewAnalyzer()
	var p Packet // one for the whole file: each may keep its address only during the call
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return an.Analysis(), nil
		}
		if err != nil {
			return an.Analysis(), err
		}
		if err := d.decodeInto(&rec, &p); err != nil {
			an.Problem(rec, err)
			continue
		}
		in := an.add(&rec, &p)
		if each != nil {
			each(rec, &p, in)
		}
	}
}

// MaxUndecoded bounds Analysis.Undecoded, so that a file of garbage does
// not grow the report without limit.
const MaxUndecoded = 100

// Problem counts a record that could not be decoded, and why.
func (an *Analyzer) Problem(rec Record, err error) {
	an.tick(&rec)
	an.a.Problems++
	if len(an.a.Undecoded) < MaxUndecoded {
		an.a.Undecoded = append(an.a.Undecoded, err)
	}
}

func (an *Analyzer) tick(rec *Record) time.Duration {
	if an.a.Packets == 0 {
		an.start = rec.Time
	}
	an.a.Packets++
	return rec.Time.Sub(an.start)
}

// SegmentInfo is what the analysis says of one TCP segment, as Wireshark
// shows it: its stream, its sequence and acknowledgment numbers relative
// to each end's first (0 for a SYN, 1 for the first segment of an end
// whose SYN the capture lacks; ack 0 without the ACK flag), and the
// window in bytes, scaled when both SYNs offered window scaling (RFC 7323
// §2.3; a SYN's window is never scaled), and what Wireshark's sequence
// analysis would flag on it.
type SegmentInfo struct {
	At             time.Duration // since the file's first packet
	Stream         int
	FromServer     bool // sent by the conversation's server
	RelSeq, RelAck uint32
	Window         uint32
	Anomaly        Anomaly
	// Each end's state after the segment, as Conversation.States.
	ClientState, ServerState tcpstate.State
}

// Add takes one decoded packet; for a TCP segment it returns what the
// analysis makes of it.
func (an *Analyzer) Add(rec Record, p Packet) SegmentInfo { return an.add(&rec, &p) }

func (an *Analyzer) add(rec *Record, p *Packet) SegmentInfo {
	at := an.tick(rec)
	if p.Fragment {
		an.a.Fragments++
	}
	switch p.Kind {
	case TCP:
		return an.addTCP(rec.Time, at, &p.Segment, p.Len)
	case UDP:
		an.addUDP(at, p)
	}
	return SegmentInfo{}
}

// addTCP counts seg, seen at now (at since the first packet), whose
// payload was n bytes on the wire.
func (an *Analyzer) addTCP(now time.Time, at time.Duration, seg *tcpstate.Segment, n int) SegmentInfo {
	id, _ := an.streams.Add(seg)
	if id == len(an.a.TCP) {
		an.a.TCP = append(an.a.TCP, newConversation(id, at, seg))
	}
	c := an.a.TCP[id]
	dir := direction(seg.Src, c.Server)
	c.add(dir, at, n)
	syn, ack := seg.Flags&tcpstate.SYN != 0, seg.Flags&tcpstate.ACK != 0
	if syn && !ack && dir == 0 && !c.HandshakeACK {
		// A SYN sent again restarts the initial RTT, as in Wireshark
		// (packet-tcp.c, ts_mru_syn: the most recent SYN), so that it
		// does not include the SYN's retransmission timeout.
		c.synAt = at
	}
	switch {
	case syn && !ack && dir == 0 && !c.SYN:
		c.SYN, c.ClientISN, c.ClientOptions = true, seg.Seq, seg.Options
		c.ClientOptions.NumSACK = 0
	case syn && ack && dir == 1 && !c.SYNACK:
		c.SYNACK, c.ServerISN, c.ServerOptions = true, seg.Seq, seg.Options
		c.ServerOptions.NumSACK = 0
	case !syn && ack && dir == 0 && c.SYNACK && !c.HandshakeACK && seg.Ack == c.ServerISN.Add(1):
		c.HandshakeACK = true
		if c.SYN {
			c.InitialRTT = at - c.synAt
		}
	}
	if seg.Flags&tcpstate.FIN != 0 {
		c.fin[dir] = true
	}
	switch {
	case seg.Flags&tcpstate.RST != 0 && c.End != EndRST:
		c.End, c.RSTFromServer = EndRST, dir == 1
	case c.End == EndRST:
	case c.fin[0] && c.fin[1]:
		c.End = EndFINFIN
	case c.fin[0] || c.fin[1]:
		c.End = EndFIN
	}
	anomaly := c.seq.segment(dir, seg, uint32(n), at, c.baseSet[dir], c.base[dir])
	c.Anomalies.add(anomaly)
	c.states.follow(now, dir, seg, n)
	in := c.info(dir, seg)
	in.At, in.FromServer, in.Anomaly = at, dir == 1, anomaly
	in.ClientState, in.ServerState = c.States()
	return in
}

// info makes the SegmentInfo of seg, sent in direction dir.
func (c *Conversation) info(dir int, seg *tcpstate.Segment) SegmentInfo {
	in := SegmentInfo{Stream: c.Stream, Window: uint32(seg.Window)}
	if !c.baseSet[dir] {
		c.base[dir], c.baseSet[dir] = seg.Seq, true
		if seg.Flags&tcpstate.SYN == 0 {
			c.base[dir] = seg.Seq.Add(^seqnum.Size(0)) // no SYN: the first byte is 1
		}
	}
	in.RelSeq = uint32(c.base[dir].Size(seg.Seq))
	if seg.Flags&tcpstate.ACK != 0 {
		other := 1 - dir
		if !c.baseSet[other] {
			c.base[other], c.baseSet[other] = seg.Ack.Add(^seqnum.Size(0)), true
		}
		in.RelAck = uint32(c.base[other].Size(seg.Ack))
	}
	opts := [2]*tcpstate.Options{&c.ClientOptions, &c.ServerOptions}
	if seg.Flags&tcpstate.SYN == 0 && c.SYN && c.SYNACK &&
		opts[0].HasWindowScale && opts[1].HasWindowScale {
		in.Window <<= min(opts[dir].WindowScale, tcpstate.MaxWindowShift) // RFC 7323 §2.3
	}
	return in
}

// newConversation starts a conversation with its first segment, which
// tells the client: the sender of a SYN, the receiver of a SYN-ACK, or
// else the end with the higher port.
func newConversation(id int, at time.Duration, seg *tcpstate.Segment) *Conversation {
	c := &Conversation{Stream: id, Tally: Tally{First: at}, End: EndOpen, Client: seg.Src, Server: seg.Dst,
		seq: newSeqAnalysis()}
	switch seg.Flags & (tcpstate.SYN | tcpstate.ACK) {
	case tcpstate.SYN:
	case tcpstate.SYN | tcpstate.ACK:
		c.Client, c.Server = seg.Dst, seg.Src
	default:
		c.MidStream = true
		if seg.Src.Port() < seg.Dst.Port() {
			c.Client, c.Server = seg.Dst, seg.Src
		}
	}
	return c
}

func (an *Analyzer) addUDP(at time.Duration, p *Packet) {
	key := pairOf(p.Src, p.Dst)
	f := an.udp[key]
	if f == nil {
		f = &Flow{Stream: len(an.a.UDP), Client: p.Src, Server: p.Dst, Tally: Tally{First: at}}
		an.udp[key] = f
		an.a.UDP = append(an.a.UDP, f)
	}
	f.add(direction(p.Src, f.Server), at, p.Len)
}

// Analysis returns the report so far.
func (an *Analyzer) Analysis() *Analysis { return &an.a }
