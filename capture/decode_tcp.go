package capture

import (
	"encoding/binary"
	"errors"
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
	header, payload  []byte
	err              error // a malformed option tcpstate knows, found after the header was read
}

func (t *tcpLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeTCP }
func (t *tcpLayer) NextLayerType() gopacket.LayerType { return gopacket.LayerTypePayload }
func (t *tcpLayer) LayerPayload() []byte              { return t.payload }

// DecodeFromBytes reads a TCP header. A header shorter than 20 bytes, or
// one whose data offset is below 5 or beyond the bytes captured, is an
// error; the options are read as far as their lengths can be followed.
func (t *tcpLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		df.SetTruncated()
		return fmt.Errorf("TCP header of %d bytes, less than 20", len(data))
	}
	off := int(data[12]>>4) * 4
	switch {
	case off < 20:
		return fmt.Errorf("TCP data offset %d, less than 5", off/4)
	case off > len(data):
		df.SetTruncated()
		return errors.New("TCP data offset beyond the bytes captured")
	}
	t.srcPort, t.dstPort = binary.BigEndian.Uint16(data[0:]), binary.BigEndian.Uint16(data[2:])
	t.header, t.payload = data[:off], data[off:]
	s := &t.seg
	*s = tcpstate.Segment{
		Seq: seqnum.Value(binary.BigEndian.Uint32(data[4:])), Ack: seqnum.Value(binary.BigEndian.Uint32(data[8:])),
		Flags:  tcpstate.Flags(data[13]), // FIN 0x01 ... CWR 0x80, the header's bit order
		Window: binary.BigEndian.Uint16(data[14:]), Urgent: binary.BigEndian.Uint16(data[18:]),
		Payload: t.payload,
	}
	t.err = readOptions(&s.Options, data[20:off])
	return nil
}

// readOptions reads the options tcpstate knows from the header's option
// bytes; others are skipped. An option whose length cannot be followed
// ends the reading (RFC 9293 §3.2: "a TCP implementation MUST be prepared
// to handle an illegal option length"), as gopacket does; one tcpstate
// knows with a wrong length is an error.
func readOptions(o *tcpstate.Options, b []byte) error {
	for len(b) > 0 {
		kind := b[0]
		switch kind {
		case 0: // End of Option List
			return nil
		case kindNOP:
			b = b[1:]
			continue
		}
		if len(b) < 2 || b[1] < 2 || int(b[1]) > len(b) {
			return nil
		}
		d := b[2:b[1]]
		b = b[b[1]:]
		switch kind {
		case kindMSS:
			if len(d) != 2 {
				return fmt.Errorf("MSS option of %d bytes", len(d))
			}
			o.HasMSS, o.MSS = true, binary.BigEndian.Uint16(d)
		case kindWindowScale:
			if len(d) != 1 {
				return fmt.Errorf("window scale option of %d bytes", len(d))
			}
			o.HasWindowScale, o.WindowScale = true, d[0]
		case kindSACKPermitted:
			o.SACKPermitted = true
		case kindSACK:
			if len(d)%8 != 0 {
				return fmt.Errorf("SACK option of %d bytes", len(d))
			}
			for ; len(d) >= 8 && int(o.NumSACK) < tcpstate.MaxSACKBlocks; d = d[8:] {
				o.SACKBlocks[o.NumSACK] = tcpstate.SACKBlock{
					Left: seqnum.Value(binary.BigEndian.Uint32(d)), Right: seqnum.Value(binary.BigEndian.Uint32(d[4:])),
				}
				o.NumSACK++
			}
		case kindTimestamps:
			if len(d) != 8 {
				return fmt.Errorf("timestamps option of %d bytes", len(d))
			}
			o.HasTimestamps = true
			o.TSVal, o.TSEcr = binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])
		}
	}
	return nil
}
