package capture

import (
	"encoding/binary"
	"fmt"
)

// This file reads pcapng without gopacket, from the block layouts of
// draft-ietf-opsawg-pcapng §4, so that the writer's output is checked
// against the specification and not against the library that wrote it.

// ngBlock is one block: its type and body (between the two length
// fields).
type ngBlock struct {
	typ  uint32
	body []byte
}

// ngPacket is what an Enhanced Packet Block (§4.3) carries.
type ngPacket struct {
	iface    uint32
	ts       uint64 // in the interface's units
	data     []byte
	origLen  uint32
	comments []string
}

// ngBlocks splits a little-endian pcapng file into blocks, checking that
// both copies of each block's length agree (§3.1).
func ngBlocks(b []byte) ([]ngBlock, error) {
	var out []ngBlock
	for len(b) > 0 {
		if len(b) < 12 {
			return nil, fmt.Errorf("%d trailing bytes", len(b))
		}
		typ, n := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
		if n%4 != 0 || n < 12 || int(n) > len(b) {
			return nil, fmt.Errorf("block type %#x: bad length %d", typ, n)
		}
		if m := binary.LittleEndian.Uint32(b[n-4:]); m != n {
			return nil, fmt.Errorf("block type %#x: lengths %d and %d differ", typ, n, m)
		}
		out = append(out, ngBlock{typ, b[8 : n-4]})
		b = b[n:]
	}
	return out, nil
}

// ngOptions reads an options list (§3.5): code, length, value padded to
// 32 bits, up to opt_endofopt. It returns the values by code, in order.
func ngOptions(b []byte) (map[uint16][][]byte, error) {
	opts := map[uint16][][]byte{}
	for len(b) >= 4 {
		code, n := binary.LittleEndian.Uint16(b), int(binary.LittleEndian.Uint16(b[2:]))
		if code == 0 {
			return opts, nil
		}
		padded := (n + 3) &^ 3
		if 4+padded > len(b) {
			return nil, fmt.Errorf("option %d: length %d overruns the block", code, n)
		}
		opts[code] = append(opts[code], b[4:4+n])
		b = b[4+padded:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("options end with %d stray bytes", len(b))
	}
	return opts, nil
}

// ngEPB reads an Enhanced Packet Block body (§4.3).
func ngEPB(body []byte) (ngPacket, error) {
	if len(body) < 20 {
		return ngPacket{}, fmt.Errorf("EPB of %d bytes", len(body))
	}
	le := binary.LittleEndian
	p := ngPacket{iface: le.Uint32(body), ts: uint64(le.Uint32(body[4:]))<<32 | uint64(le.Uint32(body[8:])), origLen: le.Uint32(body[16:])}
	capLen := int(le.Uint32(body[12:]))
	padded := (capLen + 3) &^ 3
	if 20+padded > len(body) {
		return ngPacket{}, fmt.Errorf("captured length %d overruns the block", capLen)
	}
	p.data = body[20 : 20+capLen]
	opts, err := ngOptions(body[20+padded:])
	if err != nil {
		return ngPacket{}, err
	}
	for _, c := range opts[1] { // opt_comment (§3.5)
		p.comments = append(p.comments, string(c))
	}
	return p, nil
}
