package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCloseScenarios runs each scenario with -o json and checks the events
// that define it (RFC 9293 §3.6 and §3.10.5): who enters TIME-WAIT, the
// CLOSING states of a simultaneous close, the data sent from CLOSE-WAIT in
// a half-close, the RST of an abort.
func TestCloseScenarios(t *testing.T) {
	type event struct {
		Type, Host, Event, Flags, From, To string
		Len                                int
	}
	for _, tc := range []struct {
		scenario string
		want     []event // each must appear, in this order
	}{
		{"client-first", []event{{Type: "state", Host: "client", To: "TIME-WAIT"}, {Type: "state", Host: "server", To: "CLOSED"}}},
		{"server-first", []event{{Type: "state", Host: "server", To: "FIN-WAIT-1"}, {Type: "state", Host: "server", To: "TIME-WAIT"}}},
		{"simultaneous", []event{
			{Type: "state", Host: "client", To: "FIN-WAIT-1"}, {Type: "state", Host: "server", To: "FIN-WAIT-1"},
			{Type: "state", Host: "server", To: "CLOSING"}, {Type: "state", Host: "client", To: "CLOSING"},
		}},
		{"half-close", []event{
			{Type: "state", Host: "server", To: "CLOSE-WAIT"},
			{Type: "segment", Host: "server", Event: "send", Flags: "P.", Len: len("hello back")},
			{Type: "state", Host: "server", To: "LAST-ACK"},
		}},
		{"abort", []event{{Type: "segment", Host: "client", Event: "send", Flags: "R"}, {Type: "state", Host: "server", From: "ESTABLISHED", To: "CLOSED"}}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			code, out, errOut := run(t, "close", "--scenario", tc.scenario, "-o", "json")
			require.Equal(t, ExitOK, code, errOut)
			i := 0
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var e event
				require.NoError(t, json.Unmarshal([]byte(line), &e))
				if i == len(tc.want) {
					break
				}
				w := tc.want[i]
				if e.Type == w.Type && e.Host == w.Host && (w.Event == "" || e.Event == w.Event) &&
					(w.Flags == "" || e.Flags == w.Flags) && (w.From == "" || e.From == w.From) &&
					(w.To == "" || e.To == w.To) && (w.Len == 0 || e.Len == w.Len) {
					i++
				}
			}
			assert.Equal(t, len(tc.want), i, "found the first %d of %v", i, tc.want)
		})
	}
}

// The text output names the scenario in its header line.
func TestCloseTextHeader(t *testing.T) {
	code, out, _ := run(t, "close", "--scenario", "abort")
	require.Equal(t, ExitOK, code)
	assert.True(t, strings.HasPrefix(out, "tcpsim close --scenario abort: client 198.18.0.1:49152 → server 198.18.0.2:80"), out[:80])
	assert.Contains(t, out, "R ")
}
