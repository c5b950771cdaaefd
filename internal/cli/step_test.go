package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/internal/lesson"
)

// stepLadder runs the handshake lesson and returns a ladder over it.
func stepLadder(t *testing.T) (*table, *recorder) {
	t.Helper()
	var rec recorder
	c, s := uint32(100), uint32(300)
	res, err := lesson.Run(lesson.HandshakeConfig{Seed: 1, Delay: 50 * time.Millisecond, ClientISN: &c, ServerISN: &s, Trace: rec.record}, lesson.ClientFirst)
	require.NoError(t, err)
	l := &table{command: "tcpsim handshake", left: res.Client, right: res.Server, delay: 50 * time.Millisecond, seed: 1}
	l.learnISNs(rec.events)
	return l, &rec
}

// timeRow matches a diagram line: it starts with a time, at the start of
// a line or right after the escape that erases the step prompt.
var timeRow = regexp.MustCompile(`(?m)(^|\x1b\[2K) *\d+\.\d{3}s `)

func TestStepShowsOneLinePerEnter(t *testing.T) {
	l, rec := stepLadder(t)
	var all strings.Builder
	require.NoError(t, l.write(&all, rec.events))
	total := len(timeRow.FindAllString(all.String(), -1))
	require.Greater(t, total, 10)

	// Two Enters, then q: three lines shown, no summary.
	var out strings.Builder
	require.NoError(t, l.step(strings.NewReader("\n\nq\n"), &out, rec.events))
	assert.Len(t, timeRow.FindAllString(out.String(), -1), 3)
	assert.Equal(t, 3, strings.Count(out.String(), stepPrompt))
	assert.NotContains(t, out.String(), "segments sent")

	// Enough Enters: every line and the summary, as without --step.
	out.Reset()
	require.NoError(t, l.step(strings.NewReader(strings.Repeat("\n", total)), &out, rec.events))
	assert.Len(t, timeRow.FindAllString(out.String(), -1), total)
	assert.Contains(t, out.String(), "segments sent")

	// The end of the input stops like q.
	out.Reset()
	require.NoError(t, l.step(strings.NewReader(""), &out, rec.events))
	assert.Len(t, timeRow.FindAllString(out.String(), -1), 1)
}

func TestStepRefusesWithoutTerminal(t *testing.T) {
	code, out, errOut := run(t, "handshake", "--step")
	assert.Equal(t, ExitUsage, code)
	assert.Empty(t, out)
	assert.Equal(t, "tcpsim: "+errNoTerminal.Error()+"\n", errOut)

	code, _, errOut = run(t, "handshake", "--step", "-o", "json")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut, "--step shows the text output")
}

// TestVars checks the variables printed under the lines against RFC 9293
// §3.3.1 and §3.4: relative to the ISNs, the client's SYN takes sequence
// number 0, so its first data byte is 1; after sending "hello" SND.NXT is
// 6, and once the server's ACK arrives SND.UNA is 6 too.
func TestVars(t *testing.T) {
	code, out, _ := run(t, "handshake", "--vars", "--isn-client", "100", "--isn-server", "300")
	require.Equal(t, ExitOK, code)
	varsLine := regexp.MustCompile(`(?m)^ +client SND\.UNA (\d+) +SND\.NXT (\d+) +SND\.WND (\d+) +RCV\.NXT (\S+) +RCV\.WND (\d+)$`)
	var seen []string
	for _, m := range varsLine.FindAllStringSubmatch(out, -1) {
		seen = append(seen, strings.Join(m[1:], " "))
	}
	// In order: before the SYN leaves, after it, after the SYN-ACK, after
	// "hello" is sent, after its ACK.
	want := []string{
		"0 0 0 - 0",
		"0 1 0 - 0",
		"1 1 65535 1 65535",
		"1 6 65535 1 65535",
		"6 6 65530 1 65535", // the server had not read "hello" yet: 5 bytes less
	}
	i := 0
	for _, s := range seen {
		if i < len(want) && s == want[i] {
			i++
		}
	}
	assert.Equal(t, len(want), i, "client variables in order %v; saw %v", want, seen)
}
