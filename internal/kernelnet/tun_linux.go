//go:build linux

package kernelnet

import (
	"fmt"
	"net"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// tunName is the TUN device's name inside the namespace.
const tunName = "tcpsim0"

// tunMTU is the link's MTU: an Ethernet's, so that segments are the size
// they are on a real network.
const tunMTU = 1500

// tunQueue is the device's transmit queue, in packets: long enough that a
// burst the tcpsim side is slow to read is not dropped.
const tunQueue = 10000

// openTUN makes a TUN device (IFF_TUN: IP packets, IFF_NO_PI: no packet
// information header before them) in the calling thread's namespace. The
// file is non-blocking, so that Go's poller serves its reads.
func openTUN(name string) (*os.File, error) {
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("kernelnet: cannot open /dev/net/tun: %w", err)
	}
	ifr, err := unix.NewIfreq(name)
	if err == nil {
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("kernelnet: cannot make the TUN device %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun"), nil
}

// setUpLinks brings the namespace's loopback up and gives the TUN device
// its MTU, queue and the kernel's address; it runs inside the namespace.
func setUpLinks() error {
	lo, err := netlink.LinkByName("lo")
	if err == nil {
		err = netlink.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("kernelnet: loopback: %w", err)
	}
	tun, err := netlink.LinkByName(tunName)
	if err != nil {
		return fmt.Errorf("kernelnet: %s: %w", tunName, err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: KernelAddr.AsSlice(), Mask: net.CIDRMask(prefixLen, 32)}}
	for _, step := range []func() error{
		func() error { return netlink.LinkSetMTU(tun, tunMTU) },
		func() error { return netlink.LinkSetTxQLen(tun, tunQueue) },
		func() error { return netlink.AddrAdd(tun, addr) },
		func() error { return netlink.LinkSetUp(tun) },
	} {
		if err := step(); err != nil {
			return fmt.Errorf("kernelnet: setting up %s: %w", tunName, err)
		}
	}
	return nil
}

// txDropped is how many packets the TUN device dropped on transmit (the
// kernel's side sending towards tcpsim): its queue was full.
func txDropped() (uint64, error) {
	tun, err := netlink.LinkByName(tunName)
	if err != nil {
		return 0, fmt.Errorf("kernelnet: %s: %w", tunName, err)
	}
	if s := tun.Attrs().Statistics; s != nil {
		return s.TxDropped, nil
	}
	return 0, nil
}
