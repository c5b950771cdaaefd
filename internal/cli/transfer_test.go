package cli

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/internal/lesson"
)

// transferGoldenArgs: 20000 bytes over a 10 ms link with the first data
// segment dropped (transmission 4, after SYN, SYN-ACK and ACK). With a
// 1448-byte MSS the whole transfer is one flight of ceil(20000/1448) = 14
// segments; the 13 after the hole each bring a duplicate ACK (tcpstate
// keeps no out-of-order data), the retransmission timer fires once (1 s,
// RFC 6298's minimum, at 1.02 s), and all 14 are sent again, tcpstate
// doubling what it resends each round trip (1, 2, 4, then the last 7,
// sent at 1.08 s): the server has everything at 1.09 s, a goodput of
// 160000 bits / 1.09 s = 146.789 kbit/s.
var transferGoldenArgs = []string{"transfer", "--bytes", "20KB", "--delay", "10ms", "--drop", "4"}

func TestTransferGolden(t *testing.T) {
	dir := t.TempDir()
	svgPath := filepath.Join(dir, "tsg.svg")
	code, out, errOut := run(t, append(transferGoldenArgs, "--svg", svgPath)...)
	require.Equal(t, ExitOK, code, errOut)
	assert.Empty(t, errOut, "no progress bar off a terminal")
	svg, err := os.ReadFile(svgPath)
	require.NoError(t, err)
	for _, g := range []struct{ file, got string }{
		{"transfer.golden.txt", out},
		{"transfer.golden.svg", string(svg)},
	} {
		path := filepath.Join("testdata", g.file)
		if *update {
			require.NoError(t, os.WriteFile(path, []byte(g.got), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./internal/cli -run TestTransfer -update to create it")
		assert.Equal(t, string(want), g.got, "output changed: check it, then go test ./internal/cli -run TestTransfer -update")
	}
	for _, line := range []string{
		"  bytes received     20000\n",
		// The initial window is 10 segments of 1448 bytes (RFC 6928:
		// min(10*MSS, max(2*MSS, 14600)) = 14480), sent at 0.02 s; the
		// first is lost, the 9 behind it are held by the receiver
		// (RFC 9293 §3.10.7.4, SHLD-31) and each answered with a
		// duplicate ACK SACKing it, which reach the client at 0.04 s. The
		// first two send segments 11 and 12 by limited transmit (RFC 5681
		// §3.2 step 1); the third starts loss recovery (RFC 6675 §5):
		// ssthresh = cwnd = 14480/2, the lost segment goes again, and the
		// last 2 segments fit in cwnd - pipe as the SACKs go on. Segments
		// 11 and 12 arrive ahead of the retransmission and are answered
		// with 2 more duplicates: 11 in all. All arrive at 0.05 s: 20000
		// bytes in 0.050 s, 15 data segments.
		"  duration           0.050 s",
		"  goodput            3.200 Mbit/s\n",
		"  data segments      15\n",
		"  retransmissions    1\n",
		"  fast retransmits   1\n",
		"  timeouts           0\n",
		"  duplicate ACKs     11\n",
		"  SHA-256 match      yes",
	} {
		assert.Contains(t, out, line)
	}
}

// transferJSONDoc runs tcpsim transfer -o json and decodes its document.
func transferJSONDoc(t *testing.T, args ...string) (map[string]any, string) {
	t.Helper()
	code, out, errOut := run(t, append(append([]string{"transfer"}, args...), "-o", "json")...)
	require.Equal(t, ExitOK, code, errOut)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	return doc, out
}

func TestTransferJSON(t *testing.T) {
	doc, out := transferJSONDoc(t, transferGoldenArgs[1:]...)
	for _, k := range []string{
		"bytes", "duration", "goodput_bps", "retransmissions", "fast_retransmissions",
		"timeouts", "dup_acks", "final_cwnd", "sha256_match", "cwnd",
	} {
		assert.Contains(t, doc, k)
	}
	assert.Equal(t, 20000.0, doc["bytes"])
	assert.Equal(t, true, doc["sha256_match"])
	assert.Equal(t, 1.0, doc["retransmissions"])
	assert.Equal(t, 0.0, doc["timeouts"])
	assert.Equal(t, 11.0, doc["dup_acks"])
	assert.Equal(t, 1.0, doc["fast_retransmissions"])
	assert.NotNil(t, doc["final_cwnd"])
	series, ok := doc["cwnd"].([]any)
	require.True(t, ok, "a series")
	require.Len(t, series, 4)
	first := series[0].(map[string]any)
	assert.Equal(t, 14480.0, first["cwnd"], "the initial window (RFC 6928)")
	// Recovery at 0.04 s: ssthresh = cwnd = FlightSize/2 (RFC 6675 §5
	// step 4.2) with FlightSize the 14480 bytes of the initial window; the
	// 2896 sent by limited transmit "MUST NOT be included" (RFC 5681 §3.2
	// step 2).
	rec := series[1].(map[string]any)
	assert.Equal(t, []any{0.04, 7240.0, 7240.0}, []any{rec["t"], rec["cwnd"], rec["ssthresh"]})
	// The ACK of everything up to the last two segments ends recovery at
	// 0.06 s with cwnd = min(ssthresh, FlightSize + SMSS) as RFC 6582 §3.2
	// step 3 does, against a burst: 1448 + 1176 + the FIN, plus 1448.
	exit := series[2].(map[string]any)
	assert.Equal(t, []any{0.06, 4073.0}, []any{exit["t"], exit["cwnd"]})
	// goodput_bps is the payload's bits over the duration.
	assert.InDelta(t, 20000*8/doc["duration"].(float64), doc["goodput_bps"].(float64), 1e-6)
	assert.Equal(t, 1, strings.Count(out, "\n}\n"), "one document")
}

// TestTransferSVGTicks: one tick per data segment sent, the
// retransmitted ones in their own class, as the JSON counts them.
func TestTransferSVGTicks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tsg.svg")
	doc, _ := transferJSONDoc(t, "--bytes", "100KB", "--delay", "20ms", "--loss", "3%", "--seed", "4", "--svg", path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	svg := string(b)
	assert.Equal(t, "svg", xmlRoot(t, svg))
	rexmit := strings.Count(svg, `<path class="rexmit"`)
	first := strings.Count(svg, `<path class="seg"`)
	require.Positive(t, rexmit, "3% loss with seed 4 loses some data")
	assert.Equal(t, int(doc["retransmissions"].(float64)), rexmit)
	assert.Equal(t, int(doc["data_segments"].(float64)), first+rexmit)
	assert.GreaterOrEqual(t, first, (100000+1447)/1448, "every byte sent once at least")
	assert.Contains(t, svg, `class="cwnd"`)
}

func TestTransferIsDeterministic(t *testing.T) {
	args := []string{"--bytes", "150KB", "--delay", "5ms", "--loss", "2%", "--jitter", "1ms", "--seed", "9"}
	_, a := transferJSONDoc(t, args...)
	_, b := transferJSONDoc(t, args...)
	assert.Equal(t, a, b)
}

// TestTransferFailureExitsOne: at 97% loss the client gives up; the
// summary is still written, and the exit status is 1.
func TestTransferFailureExitsOne(t *testing.T) {
	code, out, errOut := run(t, "transfer", "--bytes", "10KB", "--delay", "1ms", "--loss", "97%")
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, out, "SHA-256 match      NO")
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	assert.Contains(t, errOut, "tcpsim: lesson: client connection failed")
}

func TestTransferBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bytes", "0"}, `invalid argument "0" for "--bytes" flag: must be at least 1 byte`},
		{[]string{"--cc", "bbr"}, `invalid argument "bbr" for "--cc" flag: must be newreno or cubic`},
		{[]string{"--sack", "maybe"}, `invalid argument "maybe" for "--sack" flag: must be on or off`},
		{[]string{"--bytes", "-5"}, `"--bytes" flag: must be at least 1 byte`},
		{[]string{"--bytes", "lots"}, `"--bytes" flag: must be a size such as 10MB`},
		{[]string{"--bytes", "10XB"}, `"--bytes" flag: must be a size`},
		{[]string{"--bytes", ""}, `"--bytes" flag: must be a size`},
		{[]string{"--bytes", "NaN"}, `"--bytes" flag: must be a size`},
		{[]string{"--bytes", "inf"}, `"--bytes" flag: must be a size`},
		{[]string{"--bytes", "0x10"}, `"--bytes" flag: must be a size`},
		{[]string{"--bytes", "1.5"}, `"--bytes" flag: must be a whole number of bytes`},
		{[]string{"--bytes", "2GiB"}, `"--bytes" flag: must be at most 1073741824 bytes`},
		{[]string{"--bytes", "1e300"}, `"--bytes" flag: must be at most`},
		{[]string{"--loss", "100%"}, `--loss 100% loses every packet: the transfer could never finish`},
		{[]string{"--loss", "101%"}, `"--loss" flag: must be between 0% and 100%`},
		{[]string{"--rate", "0"}, `"--rate" flag: must be more than 0`},
		{[]string{"--reorder", "10%", "--delay", "0"}, `--reorder needs a --delay`},
		{[]string{"-o", "yaml"}, `"-o, --output" flag: must be text or json`},
		{[]string{"--svg", filepath.Join(dir, "missing", "t.svg")}, `--svg: cannot create`},
		{[]string{"now"}, `unknown command "now" for "tcpsim transfer"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, append([]string{"transfer"}, tc.args...)...)
			assert.Equal(t, ExitUsage, code)
			assert.Empty(t, out, "nothing on standard output")
			assert.True(t, strings.HasPrefix(errOut, "tcpsim: "), "error %q", errOut)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

// TestBytesFlag: SI units are powers of 1000, IEC units powers of 1024.
func TestBytesFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"1000", 1000}, {"1", 1}, {"64KB", 64_000}, {"64kB", 64_000}, {"10MB", 10_000_000},
		{"1GB", 1_000_000_000}, {"1KiB", 1024}, {"1.5MiB", 1_572_864}, {"1GiB", 1 << 30},
		{" 2 MB ", 2_000_000}, {"1e3", 1000}, {"512b", 512}, {"0.5KB", 500},
	} {
		var f bytesFlag
		require.NoError(t, f.Set(tc.in), tc.in)
		assert.Equal(t, tc.want, int64(f), tc.in)
	}
}

// xmlRoot checks that s is well-formed XML and returns its root element.
func xmlRoot(t *testing.T, s string) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root
		}
		require.NoError(t, err, "well-formed XML")
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
}

// TestTransferCwndSeries: once the lesson reports congestion windows
// (when tcpstate's TCB carries one), they reach the JSON and the graph.
func TestTransferCwndSeries(t *testing.T) {
	res := &lesson.TransferResult{Bytes: 10}
	res.Cwnd = []lesson.CwndSample{
		{At: 0, Cwnd: 14480, Ssthresh: 1 << 30},
		{At: 1500 * time.Millisecond, Cwnd: 2896, Ssthresh: 7240},
	}
	final := int64(2896)
	res.FinalCwnd = &final
	opts := transferOptions{lesson: defaultLessonOptions()}
	s := transferSummary{opts: &opts, res: res}
	var b strings.Builder
	require.NoError(t, s.writeJSON(&b))
	var doc struct {
		FinalCwnd *int64 `json:"final_cwnd"`
		Cwnd      []struct {
			T        float64 `json:"t"`
			Cwnd     int64   `json:"cwnd"`
			Ssthresh int64   `json:"ssthresh"`
		} `json:"cwnd"`
	}
	require.NoError(t, json.Unmarshal([]byte(b.String()), &doc))
	require.NotNil(t, doc.FinalCwnd)
	assert.Equal(t, int64(2896), *doc.FinalCwnd)
	require.Len(t, doc.Cwnd, 2)
	assert.Equal(t, 1.5, doc.Cwnd[1].T)
	assert.Equal(t, int64(7240), doc.Cwnd[1].Ssthresh)

	var svg strings.Builder
	require.NoError(t, s.graph().WriteSVG(&svg))
	assert.Contains(t, svg.String(), `<path class="cwnd"`)
	assert.NotContains(t, svg.String(), "not tracked yet")

	b.Reset()
	require.NoError(t, s.writeText(&b))
	assert.Contains(t, b.String(), "  final cwnd         2896 bytes\n")
}

// TestTransferCCAndSACK: both algorithms and SACK off deliver the same
// bytes; SACK off keeps the option out of every segment (RFC 2018 §2:
// SACK-permitted is what enables it), and the two algorithms differ in
// what they do with the same losses.
func TestTransferCCAndSACK(t *testing.T) {
	args := []string{"--bytes", "300KB", "--delay", "10ms", "--loss", "2%", "--seed", "3"}
	reno, _ := transferJSONDoc(t, append(args, "--cc", "newreno")...)
	cubic, _ := transferJSONDoc(t, append(args, "--cc", "cubic")...)
	noSACK, _ := transferJSONDoc(t, append(args, "--sack", "off")...)
	for _, d := range []map[string]any{reno, cubic, noSACK} {
		assert.Equal(t, true, d["sha256_match"])
	}
	assert.NotEqual(t, reno["cwnd"], cubic["cwnd"], "CUBIC's window follows another curve")
}
