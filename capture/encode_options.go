package capture

import (
	"encoding/binary"
	"fmt"

	"github.com/gopacket/gopacket/layers"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// maxOptionBytes is the most option space a TCP header has: the Data
// Offset field counts at most 15 32-bit words, 5 of them the fixed header
// (RFC 9293 §3.1).
const maxOptionBytes = 40

// The option kinds (RFC 9293 §3.2, RFC 7323 §2.2 and §3.2, RFC 2018 §2
// and §3).
const (
	kindNOP           = 1
	kindMSS           = 2
	kindWindowScale   = 3
	kindSACKPermitted = 4
	kindSACK          = 5
	kindTimestamps    = 8
)

// tcpOptions returns o as gopacket options, in the order and with the NOP
// padding that tcpstate's Options.String describes (the Linux order):
// "mss,sackOK,TS,nop,wscale" in a SYN, "nop,nop,TS" and "nop,nop,sack"
// on other segments, "mss,nop,nop,sackOK,nop,wscale" without timestamps.
// tcpstate does not export its wire layout, so this function follows the
// same rules and a test compares the two renderings option by option.
//
// It fails when the options do not fit in the header's 40 bytes (for
// example four SACK blocks together with timestamps, RFC 2018 §3). The
// option values are written in data, which must hold 40 bytes; the
// options are appended to buf[:0].
func tcpOptions(o *tcpstate.Options, buf []layers.TCPOption, data []byte) ([]layers.TCPOption, error) {
	if n := o.Len(); n > maxOptionBytes {
		return nil, fmt.Errorf("capture: TCP options take %d bytes, more than the %d a header holds", n, maxOptionBytes)
	}
	opts := buf[:0]
	// take returns the next n bytes of data.
	take := func(n int) []byte {
		d := data[:n:n]
		data = data[n:]
		return d
	}
	nop := layers.TCPOption{OptionType: kindNOP, OptionLength: 1}
	if o.HasMSS {
		// RFC 9293 §3.2: kind 2, length 4, 16-bit MSS.
		d := take(2)
		binary.BigEndian.PutUint16(d, o.MSS)
		opts = append(opts, layers.TCPOption{OptionType: kindMSS, OptionLength: 4, OptionData: d})
	}
	sackPerm := layers.TCPOption{OptionType: kindSACKPermitted, OptionLength: 2}
	switch {
	case o.SACKPermitted && o.HasTimestamps:
		opts = append(opts, sackPerm, timestamps(o, take(8)))
	case o.HasTimestamps:
		opts = append(opts, nop, nop, timestamps(o, take(8)))
	case o.SACKPermitted:
		opts = append(opts, nop, nop, sackPerm)
	}
	if o.HasWindowScale {
		// RFC 7323 §2.2: kind 3, length 3, one byte of shift count.
		opts = append(opts, nop, layers.TCPOption{OptionType: kindWindowScale, OptionLength: 3, OptionData: append(take(1)[:0], o.WindowScale)})
	}
	if o.NumSACK > 0 {
		// RFC 2018 §3: kind 5, length 2+8n, n pairs of 32-bit edges.
		n := min(int(o.NumSACK), tcpstate.MaxSACKBlocks)
		d := take(8 * n)
		for i, b := range o.SACKBlocks[:n] {
			binary.BigEndian.PutUint32(d[8*i:], uint32(b.Left))
			binary.BigEndian.PutUint32(d[8*i+4:], uint32(b.Right))
		}
		opts = append(opts, nop, nop, layers.TCPOption{OptionType: kindSACK, OptionLength: uint8(2 + len(d)), OptionData: d})
	}
	return opts, nil
}

// timestamps returns the Timestamps option: kind 8, length 10, TSval then
// TSecr (RFC 7323 §3.2), its value written in d.
func timestamps(o *tcpstate.Options, d []byte) layers.TCPOption {
	binary.BigEndian.PutUint32(d, o.TSVal)
	binary.BigEndian.PutUint32(d[4:], o.TSEcr)
	return layers.TCPOption{OptionType: kindTimestamps, OptionLength: 10, OptionData: d}
}
