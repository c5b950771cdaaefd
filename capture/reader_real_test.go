package capture

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gopacket/gopacket/layers"
)

// TestReadKernelCaptures reads captures of the Linux kernel's TCP on
// loopback (testdata/record-lo.sh: IPv4 in pcap, IPv6 in pcapng; on lo,
// Ethernet framing, and on "any", Linux cooked headers v1 and v2) and
// compares each TCP packet's fields with tshark's reading of the same
// file, kept beside it (testdata/oracle.sh).
func TestReadKernelCaptures(t *testing.T) {
	for _, tc := range []struct {
		name string
		link layers.LinkType
	}{
		{"lo4.pcap", layers.LinkTypeEthernet},
		{"lo6.pcapng", layers.LinkTypeEthernet},
		{"sll.pcap", layers.LinkTypeLinuxSLL},
		{"sll2.pcapng", layers.LinkTypeLinuxSLL2},
		{"streams.pcapng", layers.LinkTypeEthernet},
	} {
		name := tc.name
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile("testdata/" + name + ".tshark")
			require.NoError(t, err)
			var got strings.Builder
			decodeFile(t, name, func(rec Record, p Packet) {
				require.Equal(t, tc.link, rec.LinkType)
				if p.Kind == TCP {
					got.WriteString(tsharkLine(rec.Number, p))
				}
			})
			wantLines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
			gotLines := strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n")
			require.Len(t, gotLines, len(wantLines))
			for i := range wantLines {
				assert.Equal(t, wantLines[i], gotLines[i], "packet line %d", i+1)
			}
		})
	}
}

// tsharkLine formats p as oracle.sh asks tshark to.
func tsharkLine(number int, p Packet) string {
	s := &p.Segment
	var b strings.Builder
	w := bufio.NewWriter(&b)
	v4src, v6src, v4dst, v6dst := "", "", "", ""
	if s.Src.Addr().Is4() {
		v4src, v4dst = s.Src.Addr().String(), s.Dst.Addr().String()
	} else {
		v6src, v6dst = s.Src.Addr().String(), s.Dst.Addr().String()
	}
	opt := func(has bool, v any) string {
		if !has {
			return ""
		}
		return fmt.Sprint(v)
	}
	o := &s.Options
	fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%d\t0x%04x\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n",
		number, v4src, v6src, s.Src.Port(), v4dst, v6dst, s.Dst.Port(),
		uint32(s.Seq), uint32(s.Ack), uint8(s.Flags), s.Window, len(s.Payload),
		opt(o.HasMSS, o.MSS), opt(o.HasWindowScale, o.WindowScale), opt(o.SACKPermitted, "0402"),
		opt(o.HasTimestamps, o.TSVal), opt(o.HasTimestamps, o.TSEcr))
	w.Flush()
	return b.String()
}

// TestStreamsLikeTshark numbers the TCP packets of a capture of five
// connections of the Linux kernel, the last two on the same 4-tuple
// (testdata/record-streams.sh), and compares with tshark's tcp.stream.
func TestStreamsLikeTshark(t *testing.T) {
	want, err := os.ReadFile("testdata/streams.pcapng.streams")
	require.NoError(t, err)
	streams := NewStreams()
	var got strings.Builder
	decodeFile(t, "streams.pcapng", func(rec Record, p Packet) {
		if p.Kind == TCP {
			id, _ := streams.Add(&p.Segment)
			fmt.Fprintf(&got, "%d\t%d\n", rec.Number, id)
		}
	})
	assert.Equal(t, string(want), got.String())
	assert.Equal(t, 5, streams.Len())
}

// decodeFile reads and decodes every packet of testdata/name, handing
// each to fn; any error fails the test.
func decodeFile(t *testing.T, name string, fn func(Record, Packet)) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	require.NoError(t, err)
	defer f.Close()
	r, err := NewReader(f)
	require.NoError(t, err)
	d := NewDecoder()
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return
		}
		require.NoError(t, err)
		p, err := d.Decode(rec)
		require.NoError(t, err)
		fn(rec, p)
	}
}
