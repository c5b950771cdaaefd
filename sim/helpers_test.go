package sim

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

var (
	clientAddr = netip.MustParseAddr("198.18.0.1")
	serverAddr = netip.MustParseAddr("198.18.0.2")
	serverPort = netip.AddrPortFrom(serverAddr, 80)
)

const delay = 50 * time.Millisecond

// log records trace events, with copies of the bytes they refer to.
type log struct{ events []TraceEvent }

func (l *log) record(e TraceEvent) {
	e.Segment.Payload = bytes.Clone(e.Segment.Payload)
	e.Data = bytes.Clone(e.Data)
	l.events = append(l.events, e)
}

// filter returns the events of kind k on host h (any host if nil).
func (l *log) filter(k TraceKind, h *Host) []TraceEvent {
	var out []TraceEvent
	for _, e := range l.events {
		if e.Kind == k && (h == nil || e.Host == h) {
			out = append(out, e)
		}
	}
	return out
}

// text renders every event and every field the trace gives, so that two
// runs can be compared byte for byte.
func (l *log) text() string {
	var b strings.Builder
	for _, e := range l.events {
		fmt.Fprintf(&b, "%v %s %v %v %v %d %v %v %v %v->%v %q %v %v %v %q %q %v %+v\n",
			e.Time.Sub(Epoch()), e.Host, e.Kind, e.Local, e.Remote, e.Packet, e.Event, e.Segment,
			e.Verdict, e.From, e.To, e.Rule, e.Cause, e.Timer, e.Call, e.Data, e.Result(), e.HasTCB, e.TCB)
	}
	return b.String()
}

// pair returns a world with a client and a server joined by a link of
// the given one-way delay, both with tcp as their configuration (nil for
// the default), traced into the returned log.
func pair(t testing.TB, seed uint64, tcp *tcpstate.Config) (*World, *Host, *Host, *log) {
	t.Helper()
	lg := &log{}
	w := New(Config{Seed: seed, Trace: lg.record})
	c, err := w.AddHost(HostConfig{Name: "client", Addr: clientAddr, TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.AddHost(HostConfig{Name: "server", Addr: serverAddr, TCP: tcp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddLink(c, s, Path{Delay: delay}, Path{Delay: delay}); err != nil {
		t.Fatal(err)
	}
	return w, c, s, lg
}

// echo is the lesson's pair of applications: the client sends request
// once established and closes when it has the answer; the server answers
// the request and closes at the end of the stream.
type echo struct {
	request, response       string
	serverGot, clientGot    string
	serverConn              Conn
	clientClosed, srvClosed error
	clientDone, serverDone  bool
}

func (a *echo) serverHandler(c Conn) Handler {
	a.serverConn = c
	replied := false
	read := func(c Conn) {
		var buf [1024]byte
		n, err := c.Read(buf[:])
		a.serverGot += string(buf[:n])
		if !replied && len(a.serverGot) >= len(a.request) {
			replied = true
			c.Write([]byte(a.response))
		}
		if err == io.EOF {
			c.Close()
		}
	}
	return Handler{
		Readable: read,
		Closed:   func(_ Conn, err error) { a.serverDone, a.srvClosed = true, err },
	}
}

func (a *echo) clientHandler() Handler {
	return Handler{
		Established: func(c Conn) { c.Write([]byte(a.request)) },
		Readable: func(c Conn) {
			var buf [1024]byte
			n, _ := c.Read(buf[:])
			a.clientGot += string(buf[:n])
			if n > 0 && len(a.clientGot) >= len(a.response) {
				c.Close()
			}
		},
		Closed: func(_ Conn, err error) { a.clientDone, a.clientClosed = true, err },
	}
}

// states returns the state changes of host h, as "FROM>TO" at their time.
func states(lg *log, h *Host) []string {
	var out []string
	for _, e := range lg.filter(TraceState, h) {
		out = append(out, fmt.Sprintf("%v %v>%v", e.Time.Sub(Epoch()), e.From, e.To))
	}
	return out
}
