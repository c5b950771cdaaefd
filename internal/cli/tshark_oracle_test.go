package cli

import (
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// oracleFrame is one frame of a .json-oracle file
// (capture/testdata/json-oracle.sh): tshark's fields by name, "" where
// the frame has none.
type oracleFrame map[string]string

// readOracle reads a .json-oracle file: a header line naming the fields,
// then a line a frame.
func readOracle(t *testing.T, path string) []oracleFrame {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "write it with capture/testdata/json-oracle.sh")
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	names := strings.Split(lines[0], "\t")
	require.Contains(t, names, "frame.number", "%s: the first line names the fields", path)
	frames := make([]oracleFrame, 0, len(lines)-1)
	for i, line := range lines[1:] {
		f := strings.Split(line, "\t")
		require.Len(t, f, len(names), "%s line %d", path, i+2)
		fr := oracleFrame{}
		for j, name := range names {
			fr[name] = f[j]
		}
		frames = append(frames, fr)
	}
	return frames
}

// int is the field as a number; the field must be there.
func (f oracleFrame) int(t *testing.T, name string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(f[name], 0, 64) // 0: tcp.flags is hex
	require.NoError(t, err, "frame %s: %s", f["frame.number"], name)
	return v
}

// float is the field as a number of seconds.
func (f oracleFrame) float(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(f[name], 64)
	require.NoError(t, err, "frame %s: %s", f["frame.number"], name)
	return v
}

// set says whether a flag or boolean field is set ("1"; later tsharks
// write "True").
func (f oracleFrame) set(name string) bool { return f[name] == "1" || f[name] == "True" }

// icmp says whether the frame is an ICMP or ICMPv6 message: the TCP or
// UDP header an error quotes is not a packet of its stream.
func (f oracleFrame) icmp() bool { return f["icmp.type"] != "" || f["icmpv6.type"] != "" }

// fragment says whether the frame is an IPv4 or IPv6 fragment (RFC 791
// §2.3, RFC 8200 §4.5): more fragments follow, or it is not the first.
func (f oracleFrame) fragment() bool {
	nonzero := func(name string) bool { return f[name] != "" && f[name] != "0" }
	return f.set("ip.flags.mf") || nonzero("ip.frag_offset") ||
		f.set("ipv6.fraghdr.more") || nonzero("ipv6.fraghdr.offset")
}

// endpoints are the frame's source and destination, proto "tcp" or
// "udp", as tcpsim writes them ("127.0.0.1:47002", "[::1]:47002").
func (f oracleFrame) endpoints(t *testing.T, proto string) (src, dst string) {
	t.Helper()
	end := func(v4, v6, port string) string {
		a := f[v4]
		if a == "" {
			a = f[v6]
		}
		addr, err := netip.ParseAddr(a)
		require.NoError(t, err, "frame %s: %s / %s", f["frame.number"], v4, v6)
		return netip.AddrPortFrom(addr, uint16(f.int(t, port))).String()
	}
	return end("ip.src", "ipv6.src", proto+".srcport"), end("ip.dst", "ipv6.dst", proto+".dstport")
}
