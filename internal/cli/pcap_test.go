package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCaptureOutputs: --pcap and --pcapng hold every segment sent, in
// order, with the flags the trace shows, and the pcapng comments tell the
// state changes each segment caused on arrival.
func TestCaptureOutputs(t *testing.T) {
	dir := t.TempDir()
	pcap, pcapng := filepath.Join(dir, "h.pcap"), filepath.Join(dir, "h.pcapng")
	code, _, errOut := run(t, "handshake", "--pcap", pcap, "--pcapng", pcapng, "--link-type", "raw",
		"--isn-client", "100", "--isn-server", "300")
	require.Equal(t, ExitOK, code, errOut)

	// RFC 9293 §3.5 Figure 6 and §3.6 Figure 12, with the lesson's data.
	wantFlags := []string{"S", "S.", ".", "P.", ".", "P.", ".", "F.", ".", "F.", "."}

	f, err := os.Open(pcap)
	require.NoError(t, err)
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	require.NoError(t, err)
	assert.Equal(t, layers.LinkTypeRaw, r.LinkType())
	var got []string
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, layers.LayerTypeIPv4, gopacket.Default)
		tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		require.True(t, ok)
		got = append(got, tcpFlags(tcp))
		if len(got) == 1 {
			assert.Equal(t, uint32(100), tcp.Seq, "the client's ISN")
		}
	}
	assert.Equal(t, wantFlags, got)

	g, err := os.Open(pcapng)
	require.NoError(t, err)
	defer g.Close()
	ng, err := pcapgo.NewNgReader(g, pcapgo.DefaultNgReaderOptions)
	require.NoError(t, err)
	n := 0
	for {
		_, _, err := ng.ReadPacketData()
		if err != nil {
			break
		}
		n++
	}
	assert.Equal(t, len(wantFlags), n)
	b, err := os.ReadFile(pcapng)
	require.NoError(t, err)
	assert.Contains(t, string(b), "server LISTEN -> SYN-RECEIVED")
	assert.Contains(t, string(b), "client FIN-WAIT-2 -> TIME-WAIT")
}

func tcpFlags(t *layers.TCP) string {
	s := ""
	for _, f := range []struct {
		on bool
		c  string
	}{{t.FIN, "F"}, {t.SYN, "S"}, {t.RST, "R"}, {t.PSH, "P"}, {t.ACK, "."}} {
		if f.on {
			s += f.c
		}
	}
	return s
}

func TestCaptureBadInput(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "handshake", "--pcapng", filepath.Join(dir, "no", "h.pcapng"))
	assert.Equal(t, ExitUsage, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "tcpsim: --pcapng: capture: cannot create ")
	code, _, errOut = run(t, "handshake", "--pcap", filepath.Join(dir, "h.pcap"), "--link-type", "token-ring")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut, `invalid argument "token-ring" for "--link-type" flag: must be ethernet or raw`)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing left behind")
}
