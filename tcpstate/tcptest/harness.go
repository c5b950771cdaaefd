// Package tcptest is a small language for scenario tests of TCP protocol
// logic: inject a segment from the peer, expect what the connection sends
// (or that it sends nothing), advance virtual time, check states and TCB
// variables. A failure names the step's file and line, the virtual time,
// and shows sequence numbers relative to the two ISSs ("L+1", "R+1"):
//
//	close_test.go:41: t=1.2s: got F. L+1 ack R+1 win 65535 len 0 / want . L+1 ack R+2
//
// The connection under test is a real tcpstate.Conn; fixtures such as
// Established drive the real handshake. Output that no step expected fails
// the scenario.
package tcptest

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Epoch is where virtual time starts: 2000-01-01 00:00:00 UTC.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// The addresses used: the local end is 198.18.0.1 and the peer 198.18.0.2.
// A passive open listens on port 80 for the peer's port 49152; an active
// open connects from 49152 to 80.
var (
	LocalAddr  = netip.MustParseAddr("198.18.0.1")
	RemoteAddr = netip.MustParseAddr("198.18.0.2")
)

// Harness holds one connection under test and the virtual clock.
type Harness struct {
	Conn   *tcpstate.Conn
	Config tcpstate.Config
	Now    time.Time
	Local  netip.AddrPort
	Remote netip.AddrPort
}

// DefaultConfig is the configuration scenarios start from: the RFC
// profile of tcpstate.DefaultConfig with the local ISS fixed to LocalISS.
func DefaultConfig() tcpstate.Config {
	cfg := tcpstate.DefaultConfig()
	cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return LocalISS }
	return cfg
}

// Elapsed returns the virtual time since Epoch.
func (h *Harness) Elapsed() time.Duration { return h.Now.Sub(Epoch) }

// open creates the connection on first use, from the current Config.
func (h *Harness) open() error {
	if h.Conn != nil {
		return nil
	}
	c, err := tcpstate.NewConn(h.Config)
	if err != nil {
		return err
	}
	h.Conn = c
	return nil
}

// Step is one line of a scenario.
type Step struct {
	file string
	line int
	run  func(h *Harness) error
	sub  []Step
}

// newStep records where the scenario wrote the step: the caller of the
// exported constructor that calls newStep.
func newStep(run func(h *Harness) error) Step { return newStepDepth(3, run) }

func newStepDepth(depth int, run func(h *Harness) error) Step {
	_, file, line, _ := runtime.Caller(depth)
	return Step{file: filepath.Base(file), line: line, run: run}
}

// Steps groups steps into one, for fixtures.
func Steps(steps ...Step) Step { return Step{sub: steps} }

// Scenario is a named list of steps, run as a subtest.
type Scenario struct {
	Name  string
	Steps []Step
}

// RunAll runs each scenario as a subtest of t.
func RunAll(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Helper()
			Run(t, sc.Steps...)
		})
	}
}

// T is the part of testing.TB that Run uses.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Run runs the steps on a fresh Harness and fails t at the first step
// that does not hold, or if the connection sends anything no step expected.
func Run(t T, steps ...Step) *Harness {
	t.Helper()
	h := &Harness{Config: DefaultConfig(), Now: Epoch}
	last := Step{file: "end of scenario"}
	if !h.run(t, steps, &last) {
		return h
	}
	if h.Conn != nil {
		if seg, ok := h.Conn.Poll(h.Now); ok {
			t.Fatalf("%s: t=%v: unexpected segment at end of scenario: %s", where(last), h.Elapsed(), describe(&seg, false))
		}
	}
	return h
}

func (h *Harness) run(t T, steps []Step, last *Step) bool {
	t.Helper()
	for _, s := range steps {
		if s.run == nil {
			if !h.run(t, s.sub, last) {
				return false
			}
			continue
		}
		*last = s
		if err := s.run(h); err != nil {
			t.Fatalf("%s: t=%v: %v", where(s), h.Elapsed(), err)
			return false
		}
	}
	return true
}

func where(s Step) string {
	if s.line == 0 {
		return s.file
	}
	return fmt.Sprintf("%s:%d", s.file, s.line)
}
