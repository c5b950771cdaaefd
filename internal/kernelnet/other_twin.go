//go:build !linux

package kernelnet

import "github.com/tcpsim/tcpsim/tcpstate"

// RunTwins cannot run here: the kernel's side needs Linux.
func RunTwins([]TwinScenario, tcpstate.Config, func(TwinResult, error)) error { return errNotLinux }
