package cli

import (
	"bufio"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenArgs fix everything: ISNs (the client's crosses 2^32 within the
// data), and the seed and delay by default.
var goldenArgs = []string{"handshake", "--isn-client", "4294967290", "--isn-server", "1000"}

func TestHandshakeGolden(t *testing.T) {
	for _, tc := range []struct{ file, format string }{
		{"handshake.golden.txt", "text"},
		{"handshake.golden.jsonl", "json"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			code, out, errOut := run(t, append(goldenArgs, "-o", tc.format)...)
			require.Equal(t, ExitOK, code, errOut)
			path := filepath.Join("testdata", tc.file)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./internal/cli -update to create it")
			assert.Equal(t, string(want), out, "output changed: check it, then go test ./internal/cli -update")
		})
	}
}

func TestHandshakeIsDeterministic(t *testing.T) {
	_, a, _ := run(t, "handshake", "-o", "json")
	_, b, _ := run(t, "handshake", "-o", "json")
	assert.Equal(t, a, b, "the same flags give the same output")
	_, c, _ := run(t, "handshake", "-o", "json", "--seed", "2")
	assert.NotEqual(t, a, c, "the seed draws the ISNs")
}

// event is one JSON line, decoded loosely.
type event map[string]any

func (e event) str(k string) string { s, _ := e[k].(string); return s }
func (e event) num(k string) float64 {
	n, _ := e[k].(float64)
	return n
}

func handshakeJSON(t *testing.T, args ...string) []event {
	t.Helper()
	code, out, errOut := run(t, append([]string{"handshake", "-o", "json"}, args...)...)
	require.Equal(t, ExitOK, code, errOut)
	var events []event
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e event
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %q", sc.Text())
		events = append(events, e)
	}
	return events
}

func TestHandshakeJSON(t *testing.T) {
	// The client's ISN is 2^32-1: the SYN-ACK acknowledges 0.
	const isnC, isnS = 4294967295, 7
	events := handshakeJSON(t, "--isn-client", "4294967295", "--isn-server", "7", "--delay", "20ms")
	const delay = 0.020

	common := []string{"t", "type", "host"}
	byType := map[string][]string{
		"segment": {"event", "id", "src", "dst", "flags", "seq", "ack", "win", "len", "options"},
		"state":   {"from", "to", "rule", "cause"},
		"call":    {"call", "result", "local"},
		"timer":   {"timer"},
	}
	var sends []event
	sendAt := map[float64]event{}
	for _, e := range events {
		for _, k := range append(common, byType[e.str("type")]...) {
			assert.Contains(t, e, k, "%v", e)
		}
		assert.Contains(t, []string{"client", "server"}, e.str("host"))
		if e.str("type") != "segment" {
			continue
		}
		switch e.str("event") {
		case "send":
			sends = append(sends, e)
			sendAt[e.num("id")] = e
		case "recv":
			s, ok := sendAt[e.num("id")]
			require.True(t, ok, "received before sent: %v", e)
			assert.InDelta(t, s.num("t")+delay, e.num("t"), 1e-9, "one delay later")
			assert.Equal(t, "accepted", e.str("verdict"))
			for _, k := range []string{"flags", "seq", "ack", "win", "len", "options", "src", "dst"} {
				assert.Equal(t, s[k], e[k], "a perfect link delivers the segment unchanged")
			}
		default:
			t.Errorf("unexpected %v", e)
		}
	}

	// RFC 9293 §3.5 Figure 6, the three-way handshake.
	require.GreaterOrEqual(t, len(sends), 3)
	syn, synack, ack := sends[0], sends[1], sends[2]
	assert.Equal(t, []any{"client", "S", float64(isnC)}, []any{syn.str("host"), syn.str("flags"), syn.num("seq")})
	assert.Equal(t, "198.18.0.1:49152", syn.str("src"))
	assert.Equal(t, "198.18.0.2:80", syn.str("dst"))
	assert.Contains(t, syn.str("options"), "mss 1460")
	assert.Equal(t, []any{"server", "S.", float64(isnS), float64(0)},
		[]any{synack.str("host"), synack.str("flags"), synack.num("seq"), synack.num("ack")}, "ISS+1 wraps to 0")
	assert.Equal(t, []any{"client", ".", float64(0), float64(isnS + 1), float64(0)},
		[]any{ack.str("host"), ack.str("flags"), ack.num("seq"), ack.num("ack"), ack.num("len")},
		"the third segment acknowledges the server's ISS+1")

	// Data: "hello" one way, "hello back" the other.
	var data []string
	for _, e := range events {
		if e.str("type") == "call" && (e.str("call") == "send" || e.str("call") == "recv") && e.str("result") == "ok" {
			data = append(data, e.str("host")+" "+e.str("call")+" "+e.str("data"))
		}
	}
	assert.Equal(t, []string{"client send hello", "server recv hello", "server send hello back", "client recv hello back"}, data)

	// Every host ends CLOSED; only the client, which closed first, goes
	// through TIME-WAIT, for exactly 2×MSL = 240 s.
	last := map[string]string{}
	twIn, twOut := map[string]float64{}, map[string]float64{}
	for _, e := range events {
		if e.str("type") != "state" {
			continue
		}
		last[e.str("host")] = e.str("to")
		if e.str("to") == "TIME-WAIT" {
			twIn[e.str("host")] = e.num("t")
		}
		if e.str("from") == "TIME-WAIT" {
			twOut[e.str("host")] = e.num("t")
			assert.Equal(t, "CLOSED", e.str("to"))
			assert.Equal(t, "timer", e.str("cause"))
		}
	}
	assert.Equal(t, map[string]string{"client": "CLOSED", "server": "CLOSED"}, last)
	require.Contains(t, twIn, "client")
	assert.NotContains(t, twIn, "server")
	assert.InDelta(t, 240.0, twOut["client"]-twIn["client"], 1e-9)
	assert.InDelta(t, 6*delay+240, events[len(events)-1].num("t"), 1e-9, "the run ends with TIME-WAIT")
	assert.False(t, math.IsNaN(events[0].num("t")))
}

func TestHandshakeFlagsReachTheSimulation(t *testing.T) {
	events := handshakeJSON(t, "--mss", "536", "--delay", "1ms")
	assert.Contains(t, events[4].str("options"), "mss 536", "%v", events[4])
	for _, e := range events {
		if e.str("type") == "segment" && e.str("event") == "recv" && e.num("id") == 1 {
			assert.InDelta(t, 0.001, e.num("t"), 1e-12)
		}
	}
}

func TestHandshakeLongDelayRetransmitsTheSYN(t *testing.T) {
	// With 2 s each way, the SYN-ACK comes back after the 1 s initial
	// RTO (RFC 6298 §2.1): the SYN is sent again, and the lesson still
	// completes.
	events := handshakeJSON(t, "--delay", "2s")
	n := 0
	for _, e := range events {
		if e.str("type") == "segment" && e.str("event") == "send" && e.str("flags") == "S" {
			n++
		}
	}
	assert.Greater(t, n, 1)
}

func TestHandshakeText(t *testing.T) {
	code, out, _ := run(t, goldenArgs...)
	require.Equal(t, ExitOK, code)
	lines := strings.Split(out, "\n")
	assert.Contains(t, lines[0], "client 198.18.0.1:49152 → server 198.18.0.2:80, one-way delay 50ms, seed 1")
	assert.Contains(t, out, "ISNs: client 4294967290, server 1000.")

	segment := regexp.MustCompile(`^\s*(\d+\.\d{3})s\s+(\S+)\s+(──|◀─+) (\S+)\s+seq (\d+)\s+ack (\d*)\s+win (\d+)\s+len (\d+) (─+▶|──)\s+(\S+)\s+(\d+\.\d{3})s`)
	var segs [][]string
	for _, l := range lines {
		if m := segment.FindStringSubmatch(l); m != nil {
			segs = append(segs, m)
		}
	}
	require.Len(t, segs, 11, "one line per segment")
	// Relative numbers: the handshake is 0, 0/1, 1/1; the data starts at 1.
	row := func(i int) string { m := segs[i]; return strings.Join([]string{m[4], m[5], m[6], m[8]}, " ") }
	assert.Equal(t, "S 0  0", row(0))
	assert.Equal(t, "S. 0 1 0", row(1))
	assert.Equal(t, ". 1 1 0", row(2))
	assert.Equal(t, "P. 1 1 5", row(3))
	// States after each of the three handshake segments, client then server.
	assert.Equal(t, []string{"SYN-SENT", "SYN-RECEIVED*"}, []string{segs[0][2], segs[0][10]})
	assert.Equal(t, []string{"ESTABLISHED*", "SYN-RECEIVED"}, []string{segs[1][2], segs[1][10]})
	assert.Equal(t, []string{"ESTABLISHED", "ESTABLISHED*"}, []string{segs[2][2], segs[2][10]})
	assert.Equal(t, "──", segs[0][3], "the SYN goes right, to the server")
	assert.True(t, strings.HasPrefix(segs[1][3], "◀"), "the SYN-ACK comes back left")
	// The last segment: the client's ACK of the server's FIN, which ends
	// LAST-ACK.
	assert.Equal(t, []string{"TIME-WAIT", "CLOSED*"}, []string{segs[10][2], segs[10][10]})

	assert.Contains(t, out, "↳ client FIN-WAIT-2 → TIME-WAIT (RFC 9293 §3.10.7.4")
	assert.Regexp(t, `(?m)^240\.300s  CLOSED\*\s+time-wait timer expires$`, out)
	assert.Contains(t, out, "Final states: client CLOSED, server CLOSED.")
	assert.Contains(t, out, "client was in TIME-WAIT for 4m0s, from 0.300s to 240.300s")
	for _, call := range []string{`connect 198.18.0.2:80 → ok`, `send "hello" → 5 bytes`, `recv → "hello back" (10 bytes)`, `listen :80 → ok`, `accept 198.18.0.1:49152 → ok`} {
		assert.Contains(t, out, call)
	}
}
