package tcptest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// recordT keeps the failure message instead of failing.
type recordT struct{ msg string }

func (r *recordT) Helper()                           {}
func (r *recordT) Fatalf(format string, args ...any) { r.msg = fmt.Sprintf(format, args...) }

// here returns "location_test.go:N" for the line that calls it.
func here() string {
	_, _, line, _ := runtime.Caller(1)
	return fmt.Sprintf("location_test.go:%d", line)
}

// TestFailureNamesTheStep checks that a failing step is reported at the
// line of the scenario that wrote it, whichever helper built the step.
func TestFailureNamesTheStep(t *testing.T) {
	cases := []struct {
		name string
		step func() (Step, string)
	}{
		{"Expect", func() (Step, string) { return Expect(Us(tcpstate.ACK, L(9), R(1))), here() }},
		{"SndUna", func() (Step, string) { return SndUna(L(9)), here() }},
		{"SndWnd", func() (Step, string) { return SndWnd(1), here() }},
		{"RTO", func() (Step, string) { return RTO(1), here() }},
		{"State", func() (Step, string) { return State(tcpstate.Closed), here() }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step, line := c.step()
			var r recordT
			Run(&r, Established(), step)
			if !strings.HasPrefix(r.msg, line+": ") {
				t.Fatalf("failure %q does not start with %q", r.msg, line)
			}
		})
	}
}

// TestUnexpectedOutputFails: a segment no step expected fails the scenario.
func TestUnexpectedOutputFails(t *testing.T) {
	var r recordT
	Run(&r, Established(), Write("x", nil))
	if !strings.Contains(r.msg, "unexpected segment at end of scenario: P. L+1 ack R+1") {
		t.Fatalf("got %q", r.msg)
	}
}
