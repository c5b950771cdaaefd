//go:build !linux

package kernelnet

import "errors"

// errNotLinux is why nothing here runs elsewhere.
var errNotLinux = errors.New("kernelnet: talking to the kernel's TCP over a TUN device needs Linux")

// Available says why kernel interop cannot run here: it needs Linux.
func Available() error { return errNotLinux }

// Scenarios lists the interop scenarios; there are none here.
func Scenarios() []string { return nil }

// RunInterop cannot run here.
func RunInterop(Options, int, func(Result)) (int, error) { return 0, errNotLinux }
