//go:build ignore

// Command forward is the middle of the test topology of netns.sh: it
// copies Ethernet frames between two interfaces (AF_PACKET sockets, as a
// bridge would) and, by rule, drops, delays or reorders chosen TCP
// segments, so that recordings of the kernel's TCP show loss and
// reordering the same way each run. Rules count matching segments, so no
// randomness is involved.
//
//	go run forward.go -a vethRA -b vethRB RULE...
//
// A RULE is DIR:PORT:KIND:N:ACTION: DIR is a2b or b2a, PORT a TCP port
// either end of the segment uses, KIND data (payload), ack (no payload,
// no SYN, FIN or RST), syn (SYN without ACK) or synack, N the count of the matching segment
// (from 1), and ACTION drop, swap (held until the next matching-kind
// or pure ACK that way has gone) or delayMS (held MS milliseconds).
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

type rule struct {
	dir    int // 0 a to b, 1 b to a
	port   uint16
	kind   string
	n      int
	action string
	delay  time.Duration
	seen   int
}

func parseRule(s string) (*rule, error) {
	f := strings.Split(s, ":")
	if len(f) != 5 {
		return nil, fmt.Errorf("rule %q: want DIR:PORT:KIND:N:ACTION", s)
	}
	r := &rule{action: f[4]}
	switch f[0] {
	case "a2b":
	case "b2a":
		r.dir = 1
	default:
		return nil, fmt.Errorf("rule %q: direction a2b or b2a", s)
	}
	p, err := strconv.Atoi(f[1])
	if err != nil {
		return nil, err
	}
	r.port = uint16(p)
	r.kind = f[2]
	if r.n, err = strconv.Atoi(f[3]); err != nil {
		return nil, err
	}
	if ms, ok := strings.CutPrefix(r.action, "delay"); ok {
		d, err := strconv.Atoi(ms)
		if err != nil {
			return nil, err
		}
		r.action, r.delay = "delay", time.Duration(d)*time.Millisecond
	}
	return r, nil
}

// tcpInfo reads the ports, payload length and flags of an IPv4 TCP frame.
func tcpInfo(fr []byte) (sport, dport uint16, payload int, flags byte, ok bool) {
	if len(fr) < 14+20 || binary.BigEndian.Uint16(fr[12:]) != 0x0800 || fr[14+9] != 6 {
		return 0, 0, 0, 0, false
	}
	ip := fr[14:]
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if len(ip) < ihl+20 {
		return 0, 0, 0, 0, false
	}
	tcp := ip[ihl:]
	doff := int(tcp[12]>>4) * 4
	return binary.BigEndian.Uint16(tcp), binary.BigEndian.Uint16(tcp[2:]), total - ihl - doff, tcp[13], true
}

func open(name string) (int, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return -1, err
	}
	proto := uint16(unix.ETH_P_ALL)<<8 | uint16(unix.ETH_P_ALL)>>8 // network order
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(proto))
	if err != nil {
		return -1, err
	}
	return fd, unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index})
}

type forwarder struct {
	mu    sync.Mutex
	rules []*rule
	held  [2][]byte // a swapped frame each way, waiting for the next
	out   [2]int    // socket to send on, by direction
}

func (f *forwarder) send(dir int, fr []byte) {
	if _, err := unix.Write(f.out[dir], fr); err != nil {
		log.Printf("send: %v", err)
	}
}

// handle forwards one frame received going dir.
func (f *forwarder) handle(dir int, fr []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sport, dport, n, flags, ok := tcpInfo(fr)
	if !ok {
		f.send(dir, fr)
		return
	}
	kind := "data"
	switch {
	case n > 0:
	case flags&0x07 == 0: // no SYN, FIN or RST
		kind = "ack"
	case flags&0x12 == 0x02:
		kind = "syn"
	case flags&0x12 == 0x12:
		kind = "synack"
	default:
		kind = "other"
	}
	var act *rule
	for _, r := range f.rules {
		if r.dir != dir || (r.port != sport && r.port != dport) || r.kind != kind {
			continue
		}
		if r.seen++; r.seen == r.n && act == nil {
			act = r
		}
	}
	if r := act; r != nil {
		log.Printf("%s %d:%d len %d: %s", [2]string{"a2b", "b2a"}[dir], sport, dport, n, r.action)
		switch r.action {
		case "drop":
			return
		case "swap":
			f.held[dir] = fr
			return
		case "delay":
			go func() {
				time.Sleep(r.delay)
				f.mu.Lock()
				defer f.mu.Unlock()
				f.send(dir, fr)
			}()
			return
		}
	}
	f.send(dir, fr)
	if h := f.held[dir]; h != nil && (kind == "data" || kind == "ack") {
		f.held[dir] = nil
		f.send(dir, h)
	}
}

func main() {
	a := flag.String("a", "vethRA", "interface towards A")
	b := flag.String("b", "vethRB", "interface towards B")
	flag.Parse()
	log.SetFlags(log.Lmicroseconds)
	f := &forwarder{}
	for _, s := range flag.Args() {
		r, err := parseRule(s)
		if err != nil {
			log.Fatal(err)
		}
		f.rules = append(f.rules, r)
	}
	fa, err := open(*a)
	if err != nil {
		log.Fatal(err)
	}
	fb, err := open(*b)
	if err != nil {
		log.Fatal(err)
	}
	f.out = [2]int{fb, fa}
	fmt.Fprintln(os.Stderr, "forwarding")
	go f.loop(fa, 0)
	f.loop(fb, 1)
}

// loop receives on fd and forwards each frame that arrived there (not
// those this side sent) going dir.
func (f *forwarder) loop(fd, dir int) {
	buf := make([]byte, 65536)
	for {
		n, from, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			log.Fatal(err)
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		f.handle(dir, append([]byte(nil), buf[:n]...))
	}
}
