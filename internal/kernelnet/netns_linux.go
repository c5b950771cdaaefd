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
// long as that thread is in it or a socket made in it is open.
type namespace struct {
	calls chan func()
	quit  chan struct{}
	done  chan struct{}
}

// errNamespaceClosed is what a call on a closed namespace returns.
var errNamespaceClosed = errors.New("kernelnet: the network is closed")

// newNamespace makes a network namespace and the thread that lives in
// it.
func newNamespace() (*namespace, error) {
	ns := &namespace{calls: make(chan func()), quit: make(chan struct{}), done: make(chan struct{})}
	ready := make(chan error)
	go func() {
		defer close(ns.done)
		runtime.LockOSThread()
		// The thread goes back to the namespace it came from when done,
		// and is then unlocked; if it cannot, it stays locked and Go
		// ends it with the goroutine (or parks it, if it is the main
		// thread).
		home, err := os.Open("/proc/thread-self/ns/net")
		if err == nil {
			err = unix.Unshare(unix.CLONE_NEWNET)
		}
		if err != nil {
			if home != nil {
				home.Close()
			}
			ready <- fmt.Errorf("kernelnet: cannot make a network namespace: %w", err)
			return
		}
		ready <- nil
		for {
			select {
			case f := <-ns.calls:
				f()
				continue
			case <-ns.quit:
			}
			break
		}
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		home.Close()
	}()
	if err := <-ready; err != nil {
		<-ns.done
		return nil, err
	}
	return ns, nil
}

// do runs f inside the namespace and returns its error; on a closed
// namespace it returns errNamespaceClosed. f must not call do.
func (ns *namespace) do(f func() error) error {
	errc := make(chan error, 1)
	select {
	case ns.calls <- func() { errc <- f() }:
		return <-errc
	case <-ns.done:
		return errNamespaceClosed
	}
}

// close ends the namespace's thread; sockets made in it keep the
// namespace alive until they are closed too.
func (ns *namespace) close() {
	select {
	case <-ns.quit:
	default:
		close(ns.quit)
	}
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
