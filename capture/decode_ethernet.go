package capture

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ethLayer is the Decoder's Ethernet layer: the 14-byte header (IEEE
// 802.3) read for its EtherType alone, where gopacket's layers.Ethernet
// also keeps both addresses. A type field below 0x0600 is a length, and
// what follows is 802.2 LLC, which the analysis does not read.
type ethLayer struct {
	next    layers.EthernetType
	payload []byte
}

func (e *ethLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeEthernet }
func (e *ethLayer) NextLayerType() gopacket.LayerType { return e.next.LayerType() }
func (e *ethLayer) LayerPayload() []byte              { return e.payload }

func (e *ethLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 14 {
		df.SetTruncated()
		return errors.New("Ethernet header of less than 14 bytes")
	}
	e.next, e.payload = layers.EthernetType(binary.BigEndian.Uint16(data[12:])), data[14:]
	if e.next < 0x0600 {
		e.next = layers.EthernetTypeLLC
	}
	return nil
}
