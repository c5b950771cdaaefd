package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// MaxRecord bounds the bytes of one captured packet the reader accepts,
// whatever the file's snap length says, so that a hostile length field
// cannot make it allocate without limit (pcapng records are read first,
// taking no more than the file holds, then refused). 256 KiB is
// libpcap's largest snap length.
const MaxRecord = 256 << 10

// ErrFormat is wrapped by the errors of a file that is not a capture or
// is damaged.
var ErrFormat = errors.New("capture: not a valid pcap or pcapng file")

// magic numbers of the file formats: pcap in microseconds and
// nanoseconds, in both byte orders, and the pcapng Section Header Block.
const (
	magicMicro   = 0xa1b2c3d4
	magicNano    = 0xa1b23c4d
	magicPcapng  = 0x0a0d0d0a
	magicMicroLE = 0xd4c3b2a1
	magicNanoLE  = 0x4d3cb2a1
)

// Record is one packet as read from a capture: its bytes (valid until
// the next call to Next), when it was captured, its length on the wire,
// and its link type.
type Record struct {
	Data     []byte
	Time     time.Time
	Length   int // on the wire; len(Data) is less when the snap length cut it
	LinkType layers.LinkType
	Number   int // from 1, as Wireshark numbers frames
}

// Reader reads the packets of a pcap or pcapng file, telling the two
// apart by their first four bytes.
type Reader struct {
	pcap   *pcapgo.Reader
	ng     *pcapgo.NgReader
	number int
	format Format
}

// NewReader reads the file header from r.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes, too short for a file header", ErrFormat, len(head))
	}
	rd := &Reader{}
	switch binary.BigEndian.Uint32(head) {
	case magicMicro, magicNano, magicMicroLE, magicNanoLE:
		p, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: pcap header: %v", ErrFormat, err)
		}
		p.SetSnaplen(MaxRecord) // what a record may hold, not what the header claims
		rd.pcap, rd.format = p, PCAP
	case magicPcapng:
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, fmt.Errorf("%w: pcapng section header: %v", ErrFormat, err)
		}
		rd.ng, rd.format = ng, PCAPNG
	default:
		return nil, fmt.Errorf("%w: unknown magic number %#08x", ErrFormat, binary.BigEndian.Uint32(head))
	}
	return rd, nil
}

// Format tells whether the file is pcap or pcapng.
func (r *Reader) Format() Format { return r.format }

// Next returns the next packet, or io.EOF after the last. A damaged
// record ends the file with an error naming the packet's number.
func (r *Reader) Next() (Record, error) {
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
		lt   layers.LinkType
	)
	if r.pcap != nil {
		data, ci, err = r.pcap.ZeroCopyReadPacketData()
		lt = r.pcap.LinkType()
	} else {
		data, ci, err = r.ng.ZeroCopyReadPacketData()
		if err == nil {
			iface, ierr := r.ng.Interface(ci.InterfaceIndex)
			if ierr != nil {
				err = ierr
			}
			lt = iface.LinkType
		}
	}
	switch {
	case err == io.EOF:
		return Record{}, io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Record{}, fmt.Errorf("%w: packet %d: truncated record", ErrFormat, r.number+1)
	case err != nil:
		return Record{}, fmt.Errorf("%w: packet %d: %v", ErrFormat, r.number+1, err)
	case len(data) > MaxRecord:
		return Record{}, fmt.Errorf("%w: packet %d: %d bytes, more than %d", ErrFormat, r.number+1, len(data), MaxRecord)
	}
	r.number++
	return Record{Data: data, Time: ci.Timestamp, Length: ci.Length, LinkType: lt, Number: r.number}, nil
}
