package tcpstate

// Flags are the control bits of a TCP header (RFC 9293 §3.1, RFC 3168 §6.1
// for ECE and CWR).
type Flags uint8

// The control bits, in their header bit order.
const (
	FIN Flags = 1 << iota
	SYN
	RST
	PSH
	ACK
	URG
	ECE
	CWR
)

// flagLetters is tcpdump's order and spelling of the control bits: the ACK
// bit prints as ".", so a SYN-ACK is "S." and a bare ACK is ".".
var flagLetters = [...]struct {
	f Flags
	c byte
}{{FIN, 'F'}, {SYN, 'S'}, {RST, 'R'}, {PSH, 'P'}, {ACK, '.'}, {URG, 'U'}, {ECE, 'E'}, {CWR, 'W'}}

// String returns the flags in tcpdump notation: "S", "S.", ".", "P.",
// "F.", "R", "R."; "none" when no bit is set.
func (f Flags) String() string {
	if f == 0 {
		return "none"
	}
	var b [8]byte
	n := 0
	for _, l := range flagLetters {
		if f&l.f != 0 {
			b[n] = l.c
			n++
		}
	}
	return string(b[:n])
}

// Has reports whether every bit of g is set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }
