package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run executes tcpsim with args in-process and returns its exit status,
// standard output and standard error.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	root := NewRootCommand()
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	code := Execute(root)
	return code, out.String(), errb.String()
}

func TestVersion(t *testing.T) {
	code, out, errOut := run(t, "version")
	assert.Equal(t, ExitOK, code)
	assert.Empty(t, errOut)
	assert.Regexp(t, `^tcpsim (devel|v\S+) go\S+\n$`, out)
}

func TestEveryCommandHasAnExample(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		assert.NotEmpty(t, c.Example, "%q has no example", c.CommandPath())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root := NewRootCommand()
	walk(root)
	names := []string{}
	for _, c := range root.Commands() {
		names = append(names, c.Name())
	}
	assert.Equal(t, []string{"close", "completion", "handshake", "help", "interop", "replay", "transfer", "twin", "udp", "version"}, names)
}

func TestHelpShowsExamples(t *testing.T) {
	code, out, _ := run(t, "handshake", "--help")
	assert.Equal(t, ExitOK, code)
	assert.Contains(t, out, "Examples:\n  tcpsim handshake\n")
	for _, flag := range []string{"--isn-client", "--isn-server", "--seed", "--delay", "--mss", "-o, --output"} {
		assert.Contains(t, out, flag)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the one-line error
	}{
		{[]string{"handshake", "--delay", "-1s"}, `invalid argument "-1s" for "--delay" flag: must not be negative`},
		{[]string{"handshake", "--delay", "soon"}, `"--delay" flag: must be a duration`},
		{[]string{"handshake", "--delay", "2h"}, `"--delay" flag: must be at most 1h0m0s`},
		{[]string{"handshake", "--mss", "0"}, `invalid argument "0" for "--mss" flag: must be a number from 1 to 65535`},
		{[]string{"handshake", "--mss", "65536"}, `invalid argument "65536" for "--mss" flag`},
		{[]string{"handshake", "--mss", "-5"}, `"--mss" flag`},
		{[]string{"handshake", "--isn-client", "abc"}, `invalid argument "abc" for "--isn-client" flag: must be a decimal number from 0 to 4294967295`},
		{[]string{"handshake", "--isn-server", "4294967296"}, `"--isn-server" flag`},
		{[]string{"handshake", "--isn-server", "-1"}, `"--isn-server" flag`},
		{[]string{"handshake", "--isn-client", "0x10"}, `"--isn-client" flag`},
		{[]string{"handshake", "--seed", "x"}, `"--seed" flag`},
		{[]string{"handshake", "-o", "yaml"}, `invalid argument "yaml" for "-o, --output" flag: must be text or json`},
		{[]string{"handshake", "--output", ""}, `"-o, --output" flag`},
		{[]string{"handshake", "--frobnicate"}, `unknown flag: --frobnicate`},
		{[]string{"handshake", "extra"}, `unknown command "extra" for "tcpsim handshake"`},
		{[]string{"handshak"}, `unknown command "handshak" for "tcpsim"`},
		{[]string{"version", "--short"}, `unknown flag: --short`},
		{[]string{"close", "--scenario", "sideways"}, `invalid argument "sideways" for "--scenario" flag: must be one of client-first, server-first, simultaneous, half-close, abort`},
		{[]string{"close", "--delay", "-1ms"}, `"--delay" flag: must not be negative`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			assert.Equal(t, ExitUsage, code)
			assert.Empty(t, out, "nothing on standard output")
			assert.True(t, strings.HasPrefix(errOut, "tcpsim: "), "error %q", errOut)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRuntimeErrorExitsOne(t *testing.T) {
	root := NewRootCommand()
	var errb bytes.Buffer
	root.SetArgs([]string{"handshake"})
	root.SetOut(failingWriter{})
	root.SetErr(&errb)
	assert.Equal(t, ExitFailure, Execute(root))
	assert.Equal(t, "tcpsim: disk full\n", errb.String())
}

func TestRootWithoutCommandPrintsHelp(t *testing.T) {
	code, out, _ := run(t)
	require.Equal(t, ExitOK, code)
	assert.Contains(t, out, "Available Commands:")
}
