//go:build linux

package kernelnet

import (
	"flag"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

var interopCount = flag.Int("interop.count", 1, "run the interop scenarios this many times in a row (100 for the long run)")

// Every scenario in both directions passes against the kernel's TCP, on a
// clean link and on one that loses, delays and reorders, with tcpsim's
// plain RFC profile and with its Linux profile.
func TestInterop(t *testing.T) {
	requireKernel(t)
	lossy := Impairments{Loss: 0.01, Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Seed: 1}
	linux := tcpstate.LinuxConfig()
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"clean", Options{}},
		{"lossy", Options{Impairments: lossy}},
		{"linux clean", Options{TCP: &linux}},
		{"linux lossy", Options{Impairments: lossy, TCP: &linux}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			failures, err := RunInterop(tc.opts, *interopCount, func(r Result) {
				runs++
				if r.Err != nil {
					t.Errorf("%s, %s: %v", r.Scenario, r.Direction(), r.Err)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := 2 * len(scenarios) * *interopCount; runs != want || failures != 0 {
				t.Errorf("%d runs, %d failures; want %d runs and none", runs, failures, want)
			}
		})
	}
}
