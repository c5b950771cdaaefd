//go:build linux

package kernelnet

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// namespace is a private network namespace, entered by one OS thread
// that runs every call that must happen inside it (making sockets, the
// TUN device, netlink requests). The namespace has no name: it lives as
// long as that thread or a socket made in it.
type namespace struct {
	calls chan func()
	done  chan struct{}
}

// newNamespace makes a network namespace and the thread that lives in
// it.
func newNamespace() (*namespace, error) {
	ns := &namespace{calls: make(chan func()), done: make(chan struct{})}
	ready := make(chan error)
	go func() {
		// The thread stays locked and is never unlocked: when this
		// goroutine returns, Go ends the thread instead of reusing it
		// outside, and with it goes the namespace.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ready <- fmt.Errorf("kernelnet: cannot make a network namespace: %w", err)
			return
		}
		ready <- nil
		for f := range ns.calls {
			f()
		}
		close(ns.done)
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return ns, nil
}

// do runs f inside the namespace and returns its error.
func (ns *namespace) do(f func() error) error {
	errc := make(chan error, 1)
	ns.calls <- func() { errc <- f() }
	return <-errc
}

// close ends the namespace's thread. Sockets made in it keep the
// namespace alive until they are closed too.
func (ns *namespace) close() {
	close(ns.calls)
	<-ns.done
}

// Available says why kernel interop cannot run here, or nil: it needs
// Linux, the right to make network namespaces (root or CAP_NET_ADMIN and
// CAP_SYS_ADMIN) and the TUN driver.
func Available() error {
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return errors.New("kernelnet: no /dev/net/tun: the TUN driver is not loaded (modprobe tun)")
	}
	ns, err := newNamespace()
	if err != nil {
		if errors.Is(err, unix.EPERM) {
			return errors.New("kernelnet: making a network namespace needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN)")
		}
		return err
	}
	defer ns.close()
	return ns.do(func() error {
		f, err := openTUN("tcpsimprobe")
		if err != nil {
			return err
		}
		return f.Close()
	})
}
