//go:build linux

package kernelnet

import "github.com/tcpsim/tcpsim/tcpstate"

// RunTwins plays each scenario on the kernel's sockets, in one private
// namespace, and in tcpsim's simulator with cfg, and hands each result to
// each; an error from one run is the result's.
func RunTwins(scenarios []TwinScenario, cfg tcpstate.Config, each func(TwinResult, error)) error {
	n, err := Open(Options{})
	if err != nil {
		return err
	}
	defer n.Close()
	for _, sc := range scenarios {
		each(n.runTwin(sc, cfg))
	}
	return nil
}

// runTwin plays one scenario both ways and compares the traces.
func (n *Network) runTwin(sc TwinScenario, cfg tcpstate.Config) (TwinResult, error) {
	r := TwinResult{Scenario: sc.Name}
	if err := sc.check(); err != nil {
		return r, err
	}
	kernel, err := n.runKernelTwin(sc)
	if err != nil {
		return r, err
	}
	sim, err := runSimTwin(sc, cfg)
	if err != nil {
		return r, err
	}
	r.Kernel, r.Tcpsim = normalize(kernel), normalize(sim)
	r.Diffs = diffTwins(r.Kernel, r.Tcpsim)
	return r, nil
}
