package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/capture"
)

// notCompared are the keys of a connection that tshark has no
// equivalent for: each end's RFC 9293 state (tested in
// capture/states_test.go).
var notCompared = []string{"client_state", "server_state"}

// simultaneousOpenSYNACKs lists, by capture, the frames that are the
// SYN-ACKs of a simultaneous open (RFC 9293 §3.5, figure 8). tshark
// flags each as a retransmission; tcpsim does not, as each is its
// sender's first SYN-ACK (capture/seqanalysis_test.go). This is the one
// known, intended difference: the test checks that tshark does flag
// them, and expects one retransmission fewer for each.
var simultaneousOpenSYNACKs = map[string][]string{
	"simopen.pcapng": {"3", "4"},
}

// timeTolerance is how far first, last and initial_rtt may be from
// tshark's, in seconds: both have the captures' timestamps to the
// nanosecond, and tshark writes nine decimals.
const timeTolerance = 1e-9

// Every capture in capture/testdata, read by tcpsim replay -o json,
// shows each TCP connection and UDP flow as tshark 4.0 reads it (the
// .json-oracle file beside it, capture/testdata/json-oracle.sh), every
// key compared but the states.
func TestReplayJSONLikeTshark(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob("../../capture/testdata/" + pattern)
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			frames := readOracle(t, file+".json-oracle")
			want := expectFromOracle(t, frames)
			allowSimultaneousOpen(t, name, frames, want.tcp)
			code, out, errOut := run(t, "replay", file, "-o", "json")
			require.Equal(t, ExitOK, code, errOut)
			var got struct {
				File      string           `json:"file"`
				Packets   float64          `json:"packets"`
				Problems  float64          `json:"problems"`
				Undecoded []string         `json:"undecoded"`
				Fragments float64          `json:"fragments"`
				TCP       []map[string]any `json:"tcp"`
				UDP       []map[string]any `json:"udp"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			check := func(what string, want, got any) {
				if !reflect.DeepEqual(want, got) {
					t.Errorf("%s: %s: want %v, got %v", name, what, want, got)
				}
			}
			check("file", file, got.File)
			check("packets", want.packets, got.Packets)
			check("problems", want.problems, got.Problems)
			check("undecoded listed", min(int(want.problems), capture.MaxUndecoded), len(got.Undecoded))
			check("fragments", want.fragments, got.Fragments)
			compareStreams(t, name, "tcp", want.tcp, got.TCP)
			compareStreams(t, name, "udp", want.udp, got.UDP)
		})
	}
}

// compareStreams compares each connection or flow key by key, and fails
// on a key that is neither expected nor known not to be compared.
func compareStreams(t *testing.T, file, proto string, want, got []map[string]any) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %s streams: want %d, got %d", file, proto, len(want), len(got))
	}
	for i := range min(len(want), len(got)) {
		for key, w := range want[i] {
			g, ok := got[i][key]
			switch {
			case !ok:
				t.Errorf("%s: %s stream %d: no key %q (want %v)", file, proto, i, key, w)
			case !sameValue(key, w, g):
				t.Errorf("%s: %s stream %d: %s: want %v, got %v", file, proto, i, key, show(w), show(g))
			}
		}
		for key := range got[i] {
			if _, ok := want[i][key]; !ok && !slices.Contains(notCompared, key) {
				t.Errorf("%s: %s stream %d: key %q is not compared with tshark", file, proto, i, key)
			}
		}
	}
}

// sameValue compares two JSON values, times within timeTolerance.
func sameValue(key string, want, got any) bool {
	switch key {
	case "first", "last", "initial_rtt":
		w, wok := want.(float64)
		g, gok := got.(float64)
		if wok && gok {
			return math.Abs(w-g) <= timeTolerance
		}
	}
	return reflect.DeepEqual(want, got)
}

// show writes a JSON value for a message: numbers in full, strings
// quoted, null.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case float64:
		return fmt.Sprintf("%.9g", v)
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprint(v)
}

// allowSimultaneousOpen takes out of the expected retransmissions the
// SYN-ACKs of a simultaneous open that tcpsim deliberately does not
// flag, after checking that tshark flags them.
func allowSimultaneousOpen(t *testing.T, name string, frames []oracleFrame, tcp []map[string]any) {
	for _, n := range simultaneousOpenSYNACKs[name] {
		i := slices.IndexFunc(frames, func(f oracleFrame) bool { return f["frame.number"] == n })
		require.GreaterOrEqual(t, i, 0, "%s frame %s", name, n)
		f := frames[i]
		require.Equal(t, int64(flagSYN|flagACK), f.int(t, "tcp.flags")&(flagSYN|flagACK|flagRST|flagFIN),
			"%s frame %s: a SYN-ACK", name, n)
		require.True(t, f.set("tcp.analysis.retransmission"), "%s frame %s: tshark flags it", name, n)
		c := tcp[f.int(t, "tcp.stream")]
		c["retransmissions"] = c["retransmissions"].(float64) - 1
	}
}
