package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The real binary: exit statuses and error output as a shell sees them.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "tcpsim")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args     []string
		status   int
		stdout   string // a part of it
		stderr   string // all of it
		noStdout bool
	}{
		{args: []string{"handshake"}, status: 0, stdout: "Final states: client CLOSED, server CLOSED."},
		{args: []string{"version"}, status: 0, stdout: "tcpsim devel"},
		{args: []string{"handshake", "--mss", "0"}, status: 2, noStdout: true,
			stderr: "tcpsim: invalid argument \"0\" for \"--mss\" flag: must be a number from 1 to 65535\n"},
		{args: []string{"handshake", "--delay=-5ms"}, status: 2, noStdout: true,
			stderr: "tcpsim: invalid argument \"-5ms\" for \"--delay\" flag: must not be negative\n"},
		{args: []string{"handshake", "--isn-client", "twelve"}, status: 2, noStdout: true,
			stderr: "tcpsim: invalid argument \"twelve\" for \"--isn-client\" flag: must be a decimal number from 0 to 4294967295\n"},
		{args: []string{"handshake", "-o", "xml"}, status: 2, noStdout: true,
			stderr: "tcpsim: invalid argument \"xml\" for \"-o, --output\" flag: must be text or json\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			status := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				status = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if status != tc.status {
				t.Errorf("exit status %d, want %d (stderr %q)", status, tc.status, stderr.String())
			}
			if tc.stderr != "" || tc.status == 0 {
				if got := stderr.String(); got != tc.stderr {
					t.Errorf("stderr %q, want %q", got, tc.stderr)
				}
			}
			if strings.Contains(stderr.String(), "goroutine") || strings.Contains(stderr.String(), "panic") {
				t.Errorf("a stack trace: %s", stderr.String())
			}
			if tc.noStdout && stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout.String())
			}
		})
	}
}
