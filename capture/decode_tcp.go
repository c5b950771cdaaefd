package capture

import (
	"encoding/binary"
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// tcpLayer is the Decoder's TCP layer for gopacket's DecodingLayerParser:
// it reads the header (RFC 9293 §3.1) straight into a tcpstate.Segment,
// with the options tcpstate knows, where gopacket's layers.TCP would first
// build a list of every option.
type tcpLayer struct {
	srcPort, dstPort uint16
	seg              tcpstate.Segment // without its addresses
	header, payload  []byte           // as captured
	headerLen        int              // by the data offset
	headerCut        bool             // the capture holds less of the header than that
}

func (t *tcpLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeTCP }
func (t *tcpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypePayload }
func (t *tcpLayer) LayerPayload() []byte              { return t.payload }

// DecodeFromBytes reads a TCP header. One shorter than 20 bytes, or whose
// data offset is below 5, is an error. A header the capture's snap length
// cut (its options) is read as far as it goes, like the options whose
// lengths cannot be followed.
func (t *tcpLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		df.SetTruncated()
		return fmt.Errorf("TCP header of %d bytes, less than 20", len(data))
	}
	off := int(data[12]>>4) * 4
	if off < 20 {
		return fmt.Errorf("TCP data offset %d, less than 5", off/4)
	}
	held := min(off, len(data))
	t.headerLen, t.headerCut = off, held < off
	if t.headerCut {
		df.SetTruncated()
	}
	t.srcPort, t.dstPort = binary.BigEndian.Uint16(data[0:]), binary.BigEndian.Uint16(data[2:])
	t.header, t.payload = data[:held], data[held:]
	s := &t.seg
	*s = tcpstate.Segment{
		Seq: seqnum.Value(binary.BigEndian.Uint32(data[4:])), Ack: seqnum.Value(binary.BigEndian.Uint32(data[8:])),
		Flags:  tcpstate.Flags(data[13]), // FIN 0x01 ... CWR 0x80, the header's bit order
		Window: binary.BigEndian.Uint16(data[14:]), Urgent: binary.BigEndian.Uint16(data[18:]),
		Payload: t.payload,
	}
	readOptions(&s.Options, data[20:held])
	return nil
}

// readOptions reads the options tcpstate knows from the header's option
// bytes; others are skipped by their length. An option whose length cannot
// be followed ends the reading (RFC 9293 §3.2: "a TCP implementation MUST
// be prepared to handle an illegal option length"); one tcpstate knows
// with the wrong length for its kind is left out, and the segment kept, as
// tshark keeps it.
func readOptions(o *tcpstate.Options, b []byte) {
	for len(b) > 0 {
		kind := b[0]
		switch kind {
		case 0: // End of Option List
			return
		case kindNOP:
			b = b[1:]
			continue
		}
		if len(b) < 2 || b[1] < 2 || int(b[1]) > len(b) {
			return
		}
		d := b[2:b[1]]
		b = b[b[1]:]
		switch {
		case kind == kindMSS && len(d) == 2:
			o.HasMSS, o.MSS = true, binary.BigEndian.Uint16(d)
		case kind == kindWindowScale && len(d) == 1:
			o.HasWindowScale, o.WindowScale = true, d[0]
		case kind == kindSACKPermitted && len(d) == 0:
			o.SACKPermitted = true
		case kind == kindSACK && len(d)%8 == 0:
			for ; len(d) >= 8 && int(o.NumSACK) < tcpstate.MaxSACKBlocks; d = d[8:] {
				o.SACKBlocks[o.NumSACK] = tcpstate.SACKBlock{
					Left: seqnum.Value(binary.BigEndian.Uint32(d)), Right: seqnum.Value(binary.BigEndian.Uint32(d[4:])),
				}
				o.NumSACK++
			}
		case kind == kindTimestamps && len(d) == 8:
			o.HasTimestamps = true
			o.TSVal, o.TSEcr = binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])
		}
	}
}
