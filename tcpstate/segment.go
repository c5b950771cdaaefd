package tcpstate

import (
	"net/netip"
	"strconv"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Segment is one TCP segment: the header fields that matter to the state
// machine, the addresses it travels between, and its data. Window is the
// 16-bit value as carried on the wire (before any window scaling).
//
// A Segment returned by Conn.Poll shares Payload with the connection's send
// buffer: it is valid until the next call on that Conn. Copy it to keep it.
type Segment struct {
	Src, Dst netip.AddrPort
	Seq      seqnum.Value
	Ack      seqnum.Value
	Flags    Flags
	Window   uint16
	Urgent   uint16
	Options  Options
	Payload  []byte
}

// Len returns SEG.LEN, the sequence space the segment occupies: its data
// plus one for SYN and one for FIN (RFC 9293 §3.4).
func (s *Segment) Len() seqnum.Size {
	n := seqnum.Size(len(s.Payload))
	if s.Flags&SYN != 0 {
		n++
	}
	if s.Flags&FIN != 0 {
		n++
	}
	return n
}

// End returns SEG.SEQ+SEG.LEN, the sequence number after the segment.
func (s *Segment) End() seqnum.Value { return s.Seq.Add(s.Len()) }

// String formats the segment like tcpdump -S (absolute sequence numbers)
// does after the addresses:
//
//	49152 > 80: Flags [S.], seq 100, ack 4294967001, win 65535, options [mss 1460], length 0
//
// A segment with data shows its range, "seq 1:6"; a bare ACK shows no
// sequence number, as in tcpdump. The ack field appears only when the ACK
// bit is set, the options only when there are some.
func (s Segment) String() string {
	return string(s.AppendText(make([]byte, 0, 128)))
}

// AppendText appends the String form of s to b.
func (s *Segment) AppendText(b []byte) []byte {
	b = strconv.AppendUint(b, uint64(s.Src.Port()), 10)
	b = append(b, " > "...)
	b = strconv.AppendUint(b, uint64(s.Dst.Port()), 10)
	b = append(b, ": Flags ["...)
	b = append(b, s.Flags.String()...)
	b = append(b, ']')
	// tcpdump shows the sequence number only when the segment occupies
	// sequence space or resets.
	if len(s.Payload) > 0 || s.Flags&(SYN|FIN|RST) != 0 {
		b = append(b, ", seq "...)
		b = strconv.AppendUint(b, uint64(s.Seq), 10)
		if len(s.Payload) > 0 {
			b = append(b, ':')
			b = strconv.AppendUint(b, uint64(s.Seq.Add(seqnum.Size(len(s.Payload)))), 10)
		}
	}
	if s.Flags&ACK != 0 {
		b = append(b, ", ack "...)
		b = strconv.AppendUint(b, uint64(s.Ack), 10)
	}
	b = append(b, ", win "...)
	b = strconv.AppendUint(b, uint64(s.Window), 10)
	if s.Flags&URG != 0 {
		b = append(b, ", urg "...)
		b = strconv.AppendUint(b, uint64(s.Urgent), 10)
	}
	if !s.Options.IsZero() {
		b = append(b, ", options ["...)
		b = s.Options.appendText(b)
		b = append(b, ']')
	}
	b = append(b, ", length "...)
	b = strconv.AppendUint(b, uint64(len(s.Payload)), 10)
	return b
}
