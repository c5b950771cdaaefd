package cli

import (
	"encoding/binary"
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
		"client_options", "server_options", "initial_rtt", "retransmissions", "fast_retransmissions",
		"spurious_retransmissions", "dup_acks", "out_of_order", "zero_windows", "window_full", "keep_alives",
		"end", "rst_from"} {
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

// lossFile and zeroWindowFile are recordings of the kernel's TCP losing
// segments and filling a receiver's window (capture/testdata/record-loss.sh,
// record-zerowin.sh).
const (
	lossFile       = "../../capture/testdata/loss.pcapng"
	zeroWindowFile = "../../capture/testdata/zerowin.pcapng"
)

// The counts of each connection's flagged packets are tshark's: for
// instance tshark -r loss.pcapng -Y 'tcp.stream==0 &&
// tcp.analysis.duplicate_ack' shows 13 packets.
func TestReplayAnomalies(t *testing.T) {
	code, out, errOut := run(t, "replay", lossFile, "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	var doc struct {
		TCP []map[string]any `json:"tcp"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.TCP, 3)
	for i, want := range []map[string]float64{
		{"retransmissions": 2, "fast_retransmissions": 1, "dup_acks": 13},
		{"retransmissions": 2, "fast_retransmissions": 0, "dup_acks": 0},
		{"retransmissions": 1, "fast_retransmissions": 0, "dup_acks": 0},
	} {
		for k, v := range want {
			assert.Equal(t, v, doc.TCP[i][k], "stream %d %s", i, k)
		}
		assert.Equal(t, 0.0, doc.TCP[i]["zero_windows"], "stream %d", i)
	}
	// JSON keys in order: the counts between initial_rtt and end.
	assert.Regexp(t, `"initial_rtt": [0-9.e-]+,\s+"retransmissions": 2,\s+"fast_retransmissions": 1,\s+`+
		`"spurious_retransmissions": 0,\s+"dup_acks": 13,\s+"out_of_order": 0,\s+"zero_windows": 0,\s+`+
		`"window_full": 0,\s+"keep_alives": 0,\s+"end"`, out)

	code, out, errOut = run(t, "replay", lossFile)
	require.Equal(t, ExitOK, code, errOut)
	lines := strings.Split(out, "\n")
	assert.True(t, strings.HasSuffix(lines[2], "analysis"), lines[2])
	assert.True(t, strings.HasSuffix(lines[3], "FIN/FIN  TIME-WAIT/CLOSED  retx 2, fast 1, dup-ack 13"), lines[3])
	assert.True(t, strings.HasSuffix(lines[5], "FIN/FIN  TIME-WAIT/CLOSED  retx 1"), lines[5])

	code, out, errOut = run(t, "replay", zeroWindowFile)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "FIN/FIN  TIME-WAIT/CLOSED  retx 1, zero-win 3, win-full 26, keep-alive 3\n")

	code, out, errOut = run(t, "replay", streamsFile)
	require.Equal(t, ExitOK, code, errOut)
	for _, line := range strings.Split(out, "\n")[3:8] {
		assert.True(t, strings.HasSuffix(line, "  -"), "nothing flagged: %s", line)
	}
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

// A packet that does not decode is listed with its number, and the rest
// of the file is still read.
func TestReplayUndecodedPacket(t *testing.T) {
	// A raw IP capture (pcap, microseconds): an IPv4 packet of version 5
	// between two empty UDP datagrams.
	rec := func(data []byte) []byte {
		h := make([]byte, 16)
		binary.LittleEndian.PutUint32(h[8:], uint32(len(data)))
		binary.LittleEndian.PutUint32(h[12:], uint32(len(data)))
		return append(h, data...)
	}
	udp := []byte{0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2, 0x30, 0x39, 0x30, 0x3a, 0, 8, 0, 0}
	file := make([]byte, 24)
	binary.LittleEndian.PutUint32(file, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(file[4:], 2)
	binary.LittleEndian.PutUint16(file[6:], 4)
	binary.LittleEndian.PutUint32(file[16:], 65535)
	binary.LittleEndian.PutUint32(file[20:], 101)
	file = append(file, rec(udp)...)
	file = append(file, rec([]byte{0x50, 0, 0, 20})...)
	file = append(file, rec(udp)...)
	path := filepath.Join(t.TempDir(), "bad.pcap")
	require.NoError(t, os.WriteFile(path, file, 0o644))

	code, out, errOut := run(t, "replay", path)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "3 packets, 0 TCP connections, 1 UDP flow, 1 packet not decoded\n")
	assert.Contains(t, out, "  capture: packet 2: raw IP of version 5\n")
	assert.Contains(t, strings.Join(strings.Fields(out), " "), "0 198.18.0.1:12345 198.18.0.2:12346 0.000000 0.000000 2 0", "both datagrams in one flow")

	code, out, errOut = run(t, "replay", path, "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	var doc struct {
		Problems  int      `json:"problems"`
		Undecoded []string `json:"undecoded"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, 1, doc.Problems)
	assert.Equal(t, []string{"capture: packet 2: raw IP of version 5"}, doc.Undecoded)
}
