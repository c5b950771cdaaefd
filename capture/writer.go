package capture

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Format is a capture file format.
type Format uint8

// The formats.
const (
	// PCAP is the classic libpcap format, with nanosecond timestamps
	// (magic 0xa1b23c4d). It has no per-packet comments.
	PCAP Format = iota + 1
	// PCAPNG is pcapng (draft-ietf-opsawg-pcapng): one section, one
	// interface with nanosecond timestamps (if_tsresol 9), and an
	// Enhanced Packet Block per packet carrying its comment.
	PCAPNG
)

var formatNames = [...]string{PCAP: "pcap", PCAPNG: "pcapng"}

// String returns "pcap" or "pcapng".
func (f Format) String() string {
	if int(f) < len(formatNames) && formatNames[f] != "" {
		return formatNames[f]
	}
	return fmt.Sprintf("format-%d", uint8(f))
}

// SnapLen is the snapshot length written in the file header: tcpdump's
// default, larger than any IP packet, so no packet is ever cut.
const SnapLen = 262144

// MaxCommentLen is the longest comment WritePacket accepts: a pcapng
// option's length is a 16-bit field (draft-ietf-opsawg-pcapng §3.5).
const MaxCommentLen = math.MaxUint16

// Writer writes packets to a capture file. It buffers its output: call
// Flush at the end (File does it in Close).
//
// The first error a Writer meets, bad input included, sticks: every later
// call returns it without writing, and so does Flush. A trace callback that
// cannot return an error may therefore ignore the errors of WriteSegment
// and WriteDatagram and check Flush once at the end.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	format Format
	bw     *bufio.Writer  // PCAP
	pcap   *pcapgo.Writer // PCAP
	ng     *pcapgo.NgWriter
	framer framer
	enc    Encoder
	n      int // packets written
	err    error
	// comment is the one-element slice handed to pcapgo, reused.
	comment [1]string
}

// NewWriter returns a Writer of the given format and link type on w and
// writes the file header.
func NewWriter(w io.Writer, format Format, link LinkType) (*Writer, error) {
	lt, err := link.layersType()
	if err != nil {
		return nil, err
	}
	cw := &Writer{format: format, framer: framer{link: link}}
	switch format {
	case PCAP:
		cw.bw = bufio.NewWriter(w)
		cw.pcap = pcapgo.NewWriterNanos(cw.bw)
		err = cw.pcap.WriteFileHeader(SnapLen, lt)
	case PCAPNG:
		// Only fixed strings go in the headers, not the machine's OS or
		// architecture, so that files are identical everywhere.
		intf := pcapgo.NgInterface{
			Name: "tcpsim", Description: "tcpsim simulated network",
			LinkType: lt, SnapLength: SnapLen, TimestampResolution: 9,
		}
		opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "tcpsim"}}
		cw.ng, err = pcapgo.NewNgWriterInterface(w, intf, opts)
	default:
		return nil, fmt.Errorf("capture: unknown format %d", uint8(format))
	}
	if err != nil {
		return nil, fmt.Errorf("capture: writing %v header: %w", format, err)
	}
	return cw, nil
}

// WritePacket writes the IPv4 or IPv6 packet pkt, captured at virtual time
// t, framed for the Writer's link type. In pcapng a non-empty comment is
// stored with the packet (opt_comment); PCAP has no place for it and drops
// it. The comment must be valid UTF-8 (draft-ietf-opsawg-pcapng §3.5) and
// at most MaxCommentLen bytes.
func (w *Writer) WritePacket(t time.Time, pkt []byte, comment string) error {
	if w.err != nil {
		return w.err
	}
	w.err = w.writePacket(t, pkt, comment)
	return w.err
}

func (w *Writer) writePacket(t time.Time, pkt []byte, comment string) error {
	if err := w.checkTime(t); err != nil {
		return err
	}
	if len(comment) > MaxCommentLen {
		return fmt.Errorf("capture: comment of %d bytes, more than %d", len(comment), MaxCommentLen)
	}
	if !utf8.ValidString(comment) {
		return fmt.Errorf("capture: comment %q is not valid UTF-8", comment)
	}
	frame, err := w.framer.frame(pkt)
	if err != nil {
		return err
	}
	ci := gopacket.CaptureInfo{Timestamp: t, CaptureLength: len(frame), Length: len(frame)}
	if w.ng != nil {
		var opts pcapgo.NgPacketOptions
		if comment != "" {
			w.comment[0] = comment
			opts.Comments = w.comment[:]
		}
		err = w.ng.WritePacketWithOptions(ci, frame, opts)
	} else {
		err = w.pcap.WritePacket(ci, frame)
	}
	if err != nil {
		return fmt.Errorf("capture: writing packet %d: %w", w.n+1, err)
	}
	w.n++
	return nil
}

// pcapngMax is the last instant a pcapng timestamp in nanoseconds can
// hold as time.Time.UnixNano computes it.
var pcapngMax = time.Unix(0, math.MaxInt64)

// checkTime rejects times the format cannot store: PCAP has unsigned
// 32-bit seconds since 1970, pcapng 64-bit nanoseconds since 1970.
func (w *Writer) checkTime(t time.Time) error {
	ok := t.Unix() >= 0 && t.Unix() <= math.MaxUint32
	if w.format == PCAPNG {
		ok = t.Unix() >= 0 && !t.After(pcapngMax)
	}
	if !ok {
		return fmt.Errorf("capture: time %v cannot be stored in %v", t.UTC(), w.format)
	}
	return nil
}

// WriteSegment encodes seg (see Encoder.Segment) and writes it like
// WritePacket. It suits a trace callback:
//
//	w.WriteSegment(ev.Time, ev.Segment, "client SYN-SENT -> ESTABLISHED")
func (w *Writer) WriteSegment(t time.Time, seg tcpstate.Segment, comment string) error {
	if w.err != nil {
		return w.err
	}
	pkt, err := w.enc.Segment(&seg)
	if err != nil {
		w.err = err
		return err
	}
	return w.WritePacket(t, pkt, comment)
}

// WriteDatagram encodes a UDP datagram from src to dst (see
// Encoder.Datagram) and writes it like WritePacket.
func (w *Writer) WriteDatagram(t time.Time, src, dst netip.AddrPort, payload []byte, comment string) error {
	if w.err != nil {
		return w.err
	}
	pkt, err := w.enc.Datagram(src, dst, payload)
	if err != nil {
		w.err = err
		return err
	}
	return w.WritePacket(t, pkt, comment)
}

// Packets returns how many packets have been written.
func (w *Writer) Packets() int { return w.n }

// Flush writes out buffered data and returns the Writer's first error, if
// any.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	var err error
	if w.ng != nil {
		err = w.ng.Flush()
	} else {
		err = w.bw.Flush()
	}
	if err != nil {
		w.err = fmt.Errorf("capture: %w", err)
	}
	return w.err
}
