package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A capture of tcpsim's own TCP (tcpsim handshake --pcap: a connection,
// a request and its answer, a close) replays with no divergence, with
// tcpsim playing either side.
func TestReplayDriveTcpsimCapture(t *testing.T) {
	pcap := filepath.Join(t.TempDir(), "h.pcap")
	code, _, errOut := run(t, "handshake", "--pcap", pcap)
	require.Equal(t, ExitOK, code, errOut)
	for _, side := range []string{"server", "client"} {
		code, out, errOut := run(t, "replay", pcap, "--drive", side)
		require.Equal(t, ExitOK, code, errOut)
		lines := strings.Split(out, "\n")
		assert.Contains(t, lines[0], "tcpsim played the "+side)
		assert.Equal(t, "no divergence", lines[2], out)

		code, out, errOut = run(t, "replay", pcap, "--drive", side, "-o", "json")
		require.Equal(t, ExitOK, code, errOut)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, side, doc["drive"])
		assert.Equal(t, 0.05, doc["lag"], "the captures are at the senders: the link's 50 ms")
		assert.Equal(t, doc["captured"], doc["sent"])
		assert.Equal(t, []any{}, doc["divergences"])
	}
}

// The Linux kernel is not the plain RFC profile: on lo4.pcap the first
// divergence is the SYN-ACK's window: Linux offers 65483, 65535 rounded
// down to a whole segment of the loopback MSS less 12 bytes of timestamps
// (65495 - 12), where tcpsim offers 65535. Divergences are
// reported with exit status 1, as diff does.
func TestReplayDriveLinuxCapture(t *testing.T) {
	const lo4 = "../../capture/testdata/lo4.pcap"
	code, out, errOut := run(t, "replay", lo4, "--drive", "server")
	assert.Equal(t, ExitFailure, code)
	lines := strings.Split(out, "\n")
	assert.Contains(t, lines[3], "segment 0 (frame 2, 0.000392 s): window: captured 65483, tcpsim 65535")
	assert.Regexp(t, `^tcpsim: --drive server: \d+ of \d+ segments diverge\n$`, errOut)

	code, out, _ = run(t, "replay", lo4, "--drive", "server", "-o", "json")
	assert.Equal(t, ExitFailure, code)
	var doc struct {
		Divergences []map[string]any `json:"divergences"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.NotEmpty(t, doc.Divergences)
	assert.Equal(t, map[string]any{"segment": 0.0, "frame": 2.0, "time": 0.000392, "field": "window",
		"captured": "65483", "tcpsim": "65535"}, doc.Divergences[0])
	// The capture was taken at the client, so the server's answers come
	// sooner after the client's segments than the handshake's lag: the
	// echo waits for the request it answers, and the two servers agree
	// on every sequence and acknowledgment number and length. What
	// differs besides the windows: Linux's delayed ACK rides on its FIN,
	// tcpsim's RFC profile acknowledges the client's FIN at once.
	var fields []string
	for _, d := range doc.Divergences {
		fields = append(fields, d["field"].(string))
	}
	assert.NotContains(t, fields, "ack")
	assert.NotContains(t, fields, "len")
	assert.NotContains(t, fields, "seq")
	assert.Contains(t, fields, "flags")
}

func TestReplayDriveErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"replay", lossFile, "--drive", "server"}, ExitFailure,
			"tcpsim: --drive: " + lossFile + " has 3 TCP connections (streams 0-2): choose one with --stream\n"},
		{[]string{"replay", "../../capture/testdata/midstream.pcap", "--drive", "client"}, ExitFailure,
			"tcpsim: --drive: stream 0: capture: the connection's SYN is not in the capture: it cannot be replayed from its opening\n"},
		{[]string{"replay", lossFile, "--drive", "both"}, ExitUsage, "must be client or server"},
	} {
		code, _, errOut := run(t, tc.args...)
		assert.Equal(t, tc.code, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.want, "%v", tc.args)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	}
}

// With the Linux profile, a connection of the Linux kernel recorded in a
// namespace with its stock settings (rst.pcapng's second: 10 bytes each
// way, then the client's abort) replays with no divergence, tcpsim
// playing either side; the plain profile differs in its windows.
func TestReplayDriveLinuxProfile(t *testing.T) {
	const rst = "../../capture/testdata/rst.pcapng"
	for _, side := range []string{"server", "client"} {
		code, out, errOut := run(t, "replay", rst, "--stream", "1", "--drive", side, "--profile", "linux")
		require.Equal(t, ExitOK, code, "%s: %s%s", side, out, errOut)
		assert.Contains(t, out, "no divergence")
		code, out, _ = run(t, "replay", rst, "--stream", "1", "--drive", side)
		assert.Equal(t, ExitFailure, code)
		assert.Contains(t, out, "window: captured")
	}
}
