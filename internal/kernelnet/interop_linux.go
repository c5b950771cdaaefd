//go:build linux

package kernelnet

import (
	"context"
	"fmt"
	"time"
)

// Scenarios lists the names of the interop scenarios, in the order they
// run.
func Scenarios() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// RunInterop runs every scenario in both directions, count times, on one
// network opened with opts, and hands each result to each as it comes.
// It returns the number of failures, or an error if the network could
// not be made.
func RunInterop(opts Options, count int, each func(Result)) (int, error) {
	n, err := Open(opts)
	if err != nil {
		return 0, err
	}
	defer n.Close()
	failures := 0
	port := uint16(40000)
	for range count {
		for _, sc := range scenarios {
			for _, tcpsimClient := range []bool{true, false} {
				n.startTrace()
				start := time.Now()
				// A scenario stuck past all its waits is ended: its
				// endpoints are released, and its blocked calls return.
				watchdog := time.AfterFunc(4*scenarioTimeout, n.releaseAll)
				err := sc.run(n, tcpsimClient, port)
				watchdog.Stop()
				r := Result{Scenario: sc.name, TcpsimClient: tcpsimClient, Err: err, Took: time.Since(start),
					Trace: n.stopTrace()}
				if err != nil {
					failures++
				}
				each(r)
				port++
				if port == 60000 {
					port = 40000
				}
			}
		}
	}
	// The TUN device's queue must never have overflowed: a drop there
	// would be loss nobody asked for.
	if d, err := n.TxDropped(); err != nil || d > 0 {
		if err == nil {
			err = fmt.Errorf("kernelnet: %s dropped %d packets on its way to tcpsim", tunName, d)
		}
		return failures, err
	}
	return failures, nil
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
