package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/internal/kernelnet"
	"github.com/tcpsim/tcpsim/internal/ladder"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// requireKernel skips where the kernel cannot be reached (no root, no
// TUN driver), unless TCPSIM_KERNEL_TESTS=require (set by .ci/run).
func requireKernel(t *testing.T) {
	t.Helper()
	if err := kernelnet.Available(); err != nil {
		if os.Getenv("TCPSIM_KERNEL_TESTS") == "require" {
			t.Fatalf("kernel tests are required here: %v", err)
		}
		t.Skip(err)
	}
}

// tcpsim interop runs every scenario both ways and says so, one line
// each, with either profile; a profile it does not know is a usage error.
func TestInteropCommand(t *testing.T) {
	requireKernel(t)
	for _, args := range [][]string{{"interop"}, {"interop", "--profile", "linux"}} {
		code, out, errOut := run(t, args...)
		require.Equal(t, ExitOK, code, errOut)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		n := 2 * len(kernelnet.Scenarios())
		require.Len(t, lines, n+1)
		for _, l := range lines[:n] {
			assert.True(t, strings.HasPrefix(l, "pass  "), "%v: %s", args, l)
		}
		assert.Equal(t, fmt.Sprintf("%d of %d passed", n, n), lines[n])
	}
	code, _, errOut := run(t, "interop", "--profile", "bsd")
	assert.Equal(t, ExitUsage, code)
	assert.Equal(t, "tcpsim: invalid argument \"bsd\" for \"--profile\" flag: must be rfc or linux\n", errOut)
}

// Without the right to make a network namespace the command says why in
// one line and exits with status 2; a bad flag too.
func TestInteropUnavailable(t *testing.T) {
	requireKernel(t) // root, to drop it below
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("no setpriv to run as an unprivileged user")
	}
	bin := filepath.Join(t.TempDir(), "tcpsim")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/tcpsim")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.Chmod(filepath.Dir(bin), 0o755))
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "interop")
	out, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, ExitUsage, exit.ExitCode())
	assert.Equal(t, "tcpsim: kernelnet: making a network namespace needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN)\n", string(out))

	code, _, errOut := run(t, "interop", "--jitter", "5ms", "--delay", "1ms")
	assert.Equal(t, ExitUsage, code)
	assert.Equal(t, "tcpsim: --jitter must not exceed --delay\n", errOut)
}

// tcpsim twin --all prints one line per scenario, with its differences;
// while any remain, the exit status is 1.
func TestTwinCommand(t *testing.T) {
	requireKernel(t)
	code, out, errOut := run(t, "twin", "--all")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(kernelnet.TwinScenarios), out)
	for i, l := range lines {
		assert.True(t, strings.HasPrefix(l, kernelnet.TwinScenarios[i].Name), l)
		assert.Regexp(t, `\d+ differences?$`, l)
	}
	if strings.Count(out, " 0 differences\n") == len(lines) {
		assert.Equal(t, ExitOK, code, errOut)
	} else {
		assert.Equal(t, ExitFailure, code)
		assert.Contains(t, errOut, "scenarios differ")
	}

	code, _, errOut = run(t, "twin", "no such thing")
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, errOut, `no scenario "no such thing"`)
}

// A scenario by name prints the two traces side by side; with the plain
// RFC profile even the handshake differs from Linux (its SYN offers
// 65535 unscaled), which --profile linux makes the same.
func TestTwinOneScenario(t *testing.T) {
	requireKernel(t)
	code, out, errOut := run(t, "twin", "handshake")
	require.Equal(t, ExitOK, code, errOut)
	assert.True(t, strings.HasPrefix(out, "handshake: 0 differences\n"), out)
	assert.Contains(t, out, "client to server\n  Linux kernel")
	assert.Contains(t, out, "c>s S   seq 0 win 64240 len 0 <mss 1460,sackOK,TS,wscale 7>")

	code, out, _ = run(t, "twin", "handshake", "--profile", "rfc")
	assert.Equal(t, ExitFailure, code)
	assert.Contains(t, out, "* c>s S   seq 0 win 64240")
	assert.Contains(t, out, "c>s S   seq 0 win 65535 len 0 <mss 1460,sackOK,TS,wscale 0>")
}

// The flags reach the link as asked: --loss 2% is a probability of 0.02.
func TestInteropImpairments(t *testing.T) {
	opts := interopOptions{seed: 3}
	require.NoError(t, opts.loss.Set("2%"))
	require.NoError(t, opts.delay.Set("2ms"))
	require.NoError(t, opts.jitter.Set("1ms"))
	imp := opts.impairments()
	assert.InDelta(t, 0.02, imp.Loss, 1e-12)
	imp.Loss = 0
	assert.Equal(t, kernelnet.Impairments{Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Seed: 3}, imp)
}

// A failed scenario's ladder numbers each side from its SYN and draws a
// segment the link lost as dropped, by loss.
func TestInteropTraceLadder(t *testing.T) {
	syn := tcpstate.Segment{Seq: 1000, Flags: tcpstate.SYN, Window: 65535}
	synack := tcpstate.Segment{Seq: 5000, Ack: 1001, Flags: tcpstate.SYN | tcpstate.ACK, Window: 65535}
	data := tcpstate.Segment{Seq: 1001, Ack: 5001, Flags: tcpstate.ACK, Window: 502}
	d := traceLadder([]kernelnet.TraceSegment{
		{At: 0, FromTcpsim: true, Seg: syn},
		{At: time.Millisecond, Seg: synack},
		{At: 2 * time.Millisecond, FromTcpsim: true, Lost: true, Seg: data, Len: 100},
	})
	require.Len(t, d.Events, 3)
	segs := make([]ladder.Segment, 3)
	for i, e := range d.Events {
		segs[i] = e.(ladder.Segment)
	}
	assert.Equal(t, ladder.Side(0), segs[0].From)
	assert.Equal(t, ladder.Side(1), segs[1].From)
	assert.False(t, segs[1].Dropped)
	assert.True(t, segs[2].Dropped)
	assert.Equal(t, "loss", segs[2].Reason)
	assert.Contains(t, segs[2].Label, "seq 1 ack 1")
	assert.Contains(t, segs[2].Label, "len 100")
}
