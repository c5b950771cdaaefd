package tcpstate

import (
	"strconv"
	"strings"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// MaxSACKBlocks is how many SACK blocks fit in the 40 bytes of option space
// (RFC 2018 §3: at most 4, or 3 when timestamps are also carried).
const MaxSACKBlocks = 4

// MaxWindowShift is the largest window scale shift (RFC 7323 §2.3).
const MaxWindowShift = 14

// SACKBlock is one block of a SACK option: the receiver holds the sequence
// numbers Left up to but not including Right (RFC 2018 §3).
type SACKBlock struct {
	Left, Right seqnum.Value
}

// Options are the TCP options a segment carries. Each Has* field says
// whether the option is present; its value fields are meaningful only then.
// The zero value carries no option.
type Options struct {
	HasMSS bool
	MSS    uint16 // RFC 9293 §3.7.1, only in SYN segments

	HasWindowScale bool
	WindowScale    uint8 // RFC 7323 §2, shift count, only in SYN segments

	SACKPermitted bool // RFC 2018 §2, only in SYN segments

	SACKBlocks [MaxSACKBlocks]SACKBlock // RFC 2018 §3
	NumSACK    uint8                    // how many of SACKBlocks are used

	HasTimestamps bool // RFC 7323 §3
	TSVal, TSEcr  uint32
}

// optionKind names one element of the wire layout, NOP included.
type optionKind uint8

const (
	optNOP optionKind = iota
	optMSS
	optSACKPerm
	optTimestamps
	optWindowScale
	optSACK
)

// layout returns the option elements in the order they are put on the wire,
// with the NOPs that align them. The order is the one Linux uses (and so
// what tcpdump shows for Linux peers): "mss,sackOK,TS,nop,wscale" in a SYN,
// "nop,nop,TS" then "nop,nop,sack" on other segments. buf is scratch space
// so that the common case does not allocate.
func (o *Options) layout(buf []optionKind) []optionKind {
	k := buf[:0]
	if o.HasMSS {
		k = append(k, optMSS)
	}
	switch {
	case o.SACKPermitted && o.HasTimestamps:
		k = append(k, optSACKPerm, optTimestamps)
	case o.HasTimestamps:
		k = append(k, optNOP, optNOP, optTimestamps)
	case o.SACKPermitted:
		k = append(k, optNOP, optNOP, optSACKPerm)
	}
	if o.HasWindowScale {
		k = append(k, optNOP, optWindowScale)
	}
	if o.NumSACK > 0 {
		k = append(k, optNOP, optNOP, optSACK)
	}
	return k
}

// Len returns the number of bytes the options take in the header, a
// multiple of 4 (RFC 9293 §3.1: the header is padded to a 32-bit boundary).
func (o *Options) Len() int {
	var buf [16]optionKind
	n := 0
	for _, k := range o.layout(buf[:]) {
		switch k {
		case optNOP:
			n++
		case optMSS:
			n += 4
		case optSACKPerm:
			n += 2
		case optTimestamps:
			n += 10
		case optWindowScale:
			n += 3
		case optSACK:
			n += 2 + 8*int(min(o.NumSACK, MaxSACKBlocks))
		}
	}
	return (n + 3) &^ 3
}

// IsZero reports whether no option is present.
func (o *Options) IsZero() bool {
	return !o.HasMSS && !o.HasWindowScale && !o.SACKPermitted && o.NumSACK == 0 && !o.HasTimestamps
}

// String returns the options the way tcpdump prints them, without the
// surrounding brackets: "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7".
func (o Options) String() string {
	return string(o.appendText(nil))
}

func (o *Options) appendText(b []byte) []byte {
	var buf [16]optionKind
	for i, k := range o.layout(buf[:]) {
		if i > 0 {
			b = append(b, ',')
		}
		switch k {
		case optNOP:
			b = append(b, "nop"...)
		case optMSS:
			b = append(b, "mss "...)
			b = strconv.AppendUint(b, uint64(o.MSS), 10)
		case optSACKPerm:
			b = append(b, "sackOK"...)
		case optTimestamps:
			b = append(b, "TS val "...)
			b = strconv.AppendUint(b, uint64(o.TSVal), 10)
			b = append(b, " ecr "...)
			b = strconv.AppendUint(b, uint64(o.TSEcr), 10)
		case optWindowScale:
			b = append(b, "wscale "...)
			b = strconv.AppendUint(b, uint64(o.WindowScale), 10)
		case optSACK:
			n := min(o.NumSACK, MaxSACKBlocks)
			b = append(b, "sack "...)
			b = strconv.AppendUint(b, uint64(n), 10)
			b = append(b, ' ')
			for _, s := range o.SACKBlocks[:n] {
				b = append(b, '{')
				b = strconv.AppendUint(b, uint64(s.Left), 10)
				b = append(b, ':')
				b = strconv.AppendUint(b, uint64(s.Right), 10)
				b = append(b, '}')
			}
		}
	}
	return b
}

// Offers names what a SYN offers, as tcpdump prints it but without the
// values that change per segment: "mss 1460,sackOK,TS,wscale 7" (only
// the options present; "" for none).
func (o *Options) Offers() string {
	var parts []string
	if o.HasMSS {
		parts = append(parts, "mss "+strconv.Itoa(int(o.MSS)))
	}
	if o.SACKPermitted {
		parts = append(parts, "sackOK")
	}
	if o.HasTimestamps {
		parts = append(parts, "TS")
	}
	if o.HasWindowScale {
		parts = append(parts, "wscale "+strconv.Itoa(int(o.WindowScale)))
	}
	return strings.Join(parts, ",")
}

// OffersAndSACK is Offers followed by the SACK blocks (RFC 2018 §3), each
// "sack L:R" relative to base: what two segments must share to be the
// same, whatever each stack's ISN and clock.
func (o *Options) OffersAndSACK(base seqnum.Value) string {
	s := o.Offers()
	for i := range o.NumSACK {
		b := o.SACKBlocks[i]
		if s != "" {
			s += ","
		}
		s += "sack " + strconv.FormatUint(uint64(base.Size(b.Left)), 10) + ":" + strconv.FormatUint(uint64(base.Size(b.Right)), 10)
	}
	return s
}
