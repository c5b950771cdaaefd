package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamsFile is a capture of five connections of the Linux kernel's TCP
// on loopback and a UDP flow (capture/testdata/record-streams.sh).
const streamsFile = "../../capture/testdata/streams.pcapng"

func TestReplayText(t *testing.T) {
	code, out, errOut := run(t, "replay", streamsFile)
	require.Equal(t, ExitOK, code, errOut)
	lines := strings.Split(out, "\n")
	assert.Equal(t, streamsFile+": 49 packets, 5 TCP connections, 1 UDP flow", lines[0])
	// The recording's script: requests of 100, 200 and 300 bytes echoed
	// and closed with a FIN each way, then two of 5 bytes from port 47100
	// reset by the client.
	for i, want := range []string{
		"6  4  100  100  S  S.  .  FIN/FIN",
		"6  4  200  200  S  S.  .  FIN/FIN",
		"6  4  300  300  S  S.  .  FIN/FIN",
		"127.0.0.1:47100  127.0.0.1:47002",
		"127.0.0.1:47100  127.0.0.1:47002",
	} {
		assert.Contains(t, strings.Join(strings.Fields(lines[3+i]), "  "), want, "stream %d", i)
	}
	assert.Contains(t, lines[7], "RST from client")
}

func TestReplayJSON(t *testing.T) {
	code, out, errOut := run(t, "replay", streamsFile, "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	var doc struct {
		File    string           `json:"file"`
		Packets int              `json:"packets"`
		TCP     []map[string]any `json:"tcp"`
		UDP     []map[string]any `json:"udp"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, streamsFile, doc.File)
	assert.Equal(t, 49, doc.Packets)
	require.Len(t, doc.TCP, 5)
	for _, k := range []string{"stream", "client", "server", "first", "last", "packets_c2s", "packets_s2c",
		"bytes_c2s", "bytes_s2c", "syn", "synack", "handshake_ack", "client_isn", "server_isn",
		"client_options", "server_options", "initial_rtt", "end", "rst_from"} {
		assert.Contains(t, doc.TCP[0], k)
	}
	// The kernel's SYNs on this host, as tshark reads them
	// (capture/testdata/streams.pcapng.tshark).
	assert.Equal(t, "mss 65495,sackOK,TS,wscale 10", doc.TCP[0]["client_options"])
	assert.Equal(t, "mss 65495,sackOK,TS,wscale 10", doc.TCP[0]["server_options"])
	assert.InDelta(t, 0.000039909, doc.TCP[0]["initial_rtt"], 1e-10, "tshark's tcp.analysis.initial_rtt")
	assert.Equal(t, "RST", doc.TCP[4]["end"])
	assert.Equal(t, "client", doc.TCP[4]["rst_from"])
	assert.Equal(t, "127.0.0.1:47002", doc.TCP[4]["server"])
	require.Len(t, doc.UDP, 1)
	assert.Equal(t, 3.0, doc.UDP[0]["packets_c2s"])
}

// Bad files: one line naming the file, exit status 1; a missing argument
// is a usage error.
func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(text, []byte("not a capture\n"), 0o644))
	good, err := os.ReadFile(streamsFile)
	require.NoError(t, err)
	cut := filepath.Join(dir, "cut.pcapng")
	require.NoError(t, os.WriteFile(cut, good[:len(good)/2], 0o644))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"replay", filepath.Join(dir, "missing.pcap")}, ExitFailure, "missing.pcap"},
		{[]string{"replay", text}, ExitFailure, "notes.txt: capture: not a valid pcap or pcapng file: unknown magic"},
		{[]string{"replay", cut}, ExitFailure, "cut.pcapng: capture: not a valid pcap or pcapng file: packet"},
		{[]string{"replay"}, ExitUsage, "accepts 1 arg(s), received 0"},
		{[]string{"replay", streamsFile, "-o", "yaml"}, ExitUsage, "must be text or json"},
	} {
		code, _, errOut := run(t, tc.args...)
		assert.Equal(t, tc.code, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	}
}
