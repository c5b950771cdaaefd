//go:build linux

package kernelnet

import "syscall"

// onSocket runs f on the socket behind rc and returns f's error, or the
// one from reaching the socket.
func onSocket(rc syscall.RawConn, f func(fd int) error) error {
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
