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

// simOpenFile is a simultaneous open and close of the Linux kernel's TCP
// (capture/testdata/record-simopen.sh).
const simOpenFile = "../../capture/testdata/simopen.pcapng"

// --packets lists every segment with its numbers relative to each end's
// ISN (tshark's tcp.seq and tcp.ack: 0 on a SYN) and both ends' states
// after it: RFC 9293 §3.5 Figure 7 for the open, Figure 13 for the close,
// in which the server's FIN does not acknowledge the client's.
func TestReplayPackets(t *testing.T) {
	code, out, errOut := run(t, "replay", simOpenFile, "--packets")
	require.Equal(t, ExitOK, code, errOut)
	lines := strings.Split(out, "\n")
	require.Equal(t, packetHeader, lines[0])
	want := []string{
		"1 0.000000 0 198.18.0.1:47020 198.18.0.2:47021 S 0 0 0 64240 SYN-SENT SYN-RECEIVED -",
		"2 0.050702 0 198.18.0.2:47021 198.18.0.1:47020 S 0 0 0 64240 SYN-RECEIVED SYN-RECEIVED -",
		"3 0.050725 0 198.18.0.1:47020 198.18.0.2:47021 S. 0 1 0 64240 SYN-RECEIVED ESTABLISHED -",
		"4 0.300722 0 198.18.0.2:47021 198.18.0.1:47020 S. 0 1 0 64240 ESTABLISHED ESTABLISHED -",
		"11 0.501116 0 198.18.0.1:47020 198.18.0.2:47021 F. 11 11 0 64512 FIN-WAIT-1 CLOSE-WAIT -",
		"12 0.501154 0 198.18.0.2:47021 198.18.0.1:47020 F. 11 11 0 64512 CLOSING CLOSING -",
		"13 0.501172 0 198.18.0.1:47020 198.18.0.2:47021 . 12 12 0 64512 CLOSING TIME-WAIT -",
		"14 0.503913 0 198.18.0.2:47021 198.18.0.1:47020 . 12 12 0 64512 TIME-WAIT TIME-WAIT -",
	}
	got := map[string]string{}
	for _, l := range lines[1:15] {
		f := strings.Fields(l)
		got[f[0]] = strings.Join(f, " ")
	}
	for _, w := range want {
		assert.Equal(t, w, got[strings.Fields(w)[0]])
	}
	// Then the report, as without --packets.
	assert.Equal(t, simOpenFile+": 14 packets, 1 TCP connection, 0 UDP flows", lines[15])
	assert.Contains(t, lines[18], "TIME-WAIT/TIME-WAIT")
}

// -o json --packets puts the segments in the one JSON document, the
// connection's own fields as without it; --stream keeps one connection.
// Frame 135 of loss.pcapng is the client's SYN sent again after its loss,
// which tshark flags as a retransmission (loss.pcapng.analysis).
func TestReplayPacketsJSON(t *testing.T) {
	code, out, errOut := run(t, "replay", lossFile, "--packets", "--stream", "2", "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	var doc struct {
		File     string           `json:"file"`
		Packets  int              `json:"packets"`
		Segments []map[string]any `json:"segments"`
		TCP      []map[string]any `json:"tcp"`
		UDP      []map[string]any `json:"udp"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, lossFile, doc.File)
	assert.Equal(t, 144, doc.Packets, "the whole file's packets")
	require.Len(t, doc.TCP, 1)
	assert.Equal(t, 2.0, doc.TCP[0]["stream"])
	assert.Equal(t, "TIME-WAIT", doc.TCP[0]["client_state"])
	assert.Equal(t, "CLOSED", doc.TCP[0]["server_state"])
	assert.Empty(t, doc.UDP)
	require.Len(t, doc.Segments, 11, "frames 134 to 144")
	first, second := doc.Segments[0], doc.Segments[1]
	assert.Equal(t, 134.0, first["frame"])
	assert.Equal(t, []any{}, first["analysis"])
	assert.Equal(t, 135.0, second["frame"])
	assert.Equal(t, []any{"retransmission"}, second["analysis"])
	assert.Equal(t, "SYN-SENT", second["client_state"])
	for _, k := range []string{"time", "stream", "src", "dst", "flags", "seq", "ack", "len", "window", "server_state"} {
		assert.Contains(t, first, k)
	}
	last := doc.Segments[10]
	assert.Equal(t, map[string]any{"frame": 144.0, "flags": ".", "seq": 102.0, "ack": 5.0, "client_state": "TIME-WAIT",
		"server_state": "CLOSED"}, pick(last, "frame", "flags", "seq", "ack", "client_state", "server_state"))

	// Without segments to list the document still has the key.
	code, out, errOut = run(t, "replay", udpOnlyFile(t), "--packets", "-o", "json")
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, `"segments": []`)
}

func pick(m map[string]any, keys ...string) map[string]any {
	r := map[string]any{}
	for _, k := range keys {
		r[k] = m[k]
	}
	return r
}

// udpOnlyFile writes a capture holding one UDP datagram (raw IPv4).
func udpOnlyFile(t *testing.T) string {
	ip := []byte{0x45, 0, 0, 29, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
		0xb7, 0x98, 0xb7, 0x99, 0, 9, 0, 0, 'x'}
	path := filepath.Join(t.TempDir(), "udp.pcap")
	require.NoError(t, os.WriteFile(path, append(rawPcapHeader(), rawPcapRecord(ip)...), 0o644))
	return path
}

// --svg draws one connection's ladder: with the segments' labels, their
// analysis, and both ends' states; a capture of several connections needs
// --stream, and then nothing is written.
func TestReplaySVG(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "stream2.svg")
	code, _, errOut := run(t, "replay", lossFile, "--stream", "2", "--svg", svg)
	require.Equal(t, ExitOK, code, errOut)
	b, err := os.ReadFile(svg)
	require.NoError(t, err)
	for _, want := range []string{"client 198.18.0.1:44516", "server 198.18.0.2:47013",
		"S seq 0 win 64240 len 0 [retransmission]", "S. seq 0 ack 1 win 65160 len 0",
		"FIN-WAIT-2", "TIME-WAIT", "LAST-ACK", "CLOSED"} {
		assert.Contains(t, string(b), want)
	}

	other := filepath.Join(dir, "all.svg")
	code, _, errOut = run(t, "replay", lossFile, "--svg", other)
	assert.Equal(t, ExitFailure, code)
	assert.Equal(t, "tcpsim: --svg: "+lossFile+" has 3 TCP connections (streams 0-2): choose one with --stream\n", errOut)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only stream2.svg: no partial file")
}

func TestReplayStreamErrors(t *testing.T) {
	code, out, errOut := run(t, "replay", lossFile, "--stream", "3")
	assert.Equal(t, ExitFailure, code)
	assert.Empty(t, out)
	assert.Equal(t, "tcpsim: --stream 3: "+lossFile+" has 3 TCP connections (streams 0-2)\n", errOut)

	code, _, errOut = run(t, "replay", lossFile, "--stream", "-2")
	assert.NotEqual(t, ExitOK, code)
	assert.Contains(t, errOut, "--stream -2: streams are numbered from 0")
	assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
}

// rawPcapHeader is a little-endian pcap file header for raw IP
// (LINKTYPE_RAW, 101), snap length 65535.
func rawPcapHeader() []byte {
	return []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0}
}

// rawPcapRecord is a record of pkt at time 1 s.
func rawPcapRecord(pkt []byte) []byte {
	n := byte(len(pkt))
	return append([]byte{1, 0, 0, 0, 0, 0, 0, 0, n, 0, 0, 0, n, 0, 0, 0}, pkt...)
}

// A capture damaged part way is reported as far as it could be read, then
// the error, exit status 1; with --packets -o json the document stays
// whole, the error in it.
func TestReplayDamagedPartWay(t *testing.T) {
	good, err := os.ReadFile(lossFile)
	require.NoError(t, err)
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	require.NoError(t, os.WriteFile(cut, good[:len(good)/2], 0o644))

	code, out, errOut := run(t, "replay", cut)
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, out, "TCP connection")
	assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)

	code, out, _ = run(t, "replay", cut, "--packets", "-o", "json")
	assert.Equal(t, ExitFailure, code)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc), "not one JSON document: %s", out)
	assert.Contains(t, doc["error"], cut)
	assert.NotEmpty(t, doc["segments"])

	// An error found after the list began ends the document too.
	code, out, _ = run(t, "replay", lossFile, "--packets", "-o", "json", "--svg", filepath.Join(t.TempDir(), "x.svg"))
	assert.Equal(t, ExitFailure, code)
	require.NoError(t, json.Unmarshal([]byte(out), &doc), "not one JSON document: %s", out)
	assert.Contains(t, doc["error"], "choose one with --stream")
}

// Output that cannot be written fails the command.
func TestReplayWriteError(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	root := NewRootCommand()
	root.SetArgs([]string{"replay", lossFile})
	root.SetOut(full)
	var errb strings.Builder
	root.SetErr(&errb)
	assert.Equal(t, ExitFailure, Execute(root))
	assert.Contains(t, errb.String(), "no space left on device")
}

// --svg goes with --drive: both are written; --packets does not.
func TestReplaySVGWithDrive(t *testing.T) {
	dir := t.TempDir()
	pcap, svg := filepath.Join(dir, "h.pcap"), filepath.Join(dir, "h.svg")
	code, _, errOut := run(t, "handshake", "--pcap", pcap)
	require.Equal(t, ExitOK, code, errOut)
	code, out, errOut := run(t, "replay", pcap, "--drive", "server", "--svg", svg)
	require.Equal(t, ExitOK, code, errOut)
	assert.Contains(t, out, "no divergence")
	fi, err := os.Stat(svg)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "an ordinary file, not a private one")

	code, _, errOut = run(t, "replay", pcap, "--drive", "server", "--packets")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut, "--drive and --packets do not go together")
}
