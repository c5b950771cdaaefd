package lesson

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// Scenario is a way for the lesson's connection to end.
type Scenario string

// The scenarios of tcpsim close. In each, the client connects, sends
// Request and the server answers Response; they differ in who closes when.
const (
	// ClientFirst: the client closes once it has the answer, the server
	// when it reads the end of the stream. The client ends in TIME-WAIT
	// (RFC 9293 §3.6, Figure 12, case 1).
	ClientFirst Scenario = "client-first"
	// ServerFirst: the server closes right after answering; the client
	// closes when it reads the end of the stream. The server ends in
	// TIME-WAIT.
	ServerFirst Scenario = "server-first"
	// Simultaneous: once the exchange is over, both close at the same
	// instant; the FINs cross and both go through CLOSING to TIME-WAIT
	// (RFC 9293 §3.6, Figure 13).
	Simultaneous Scenario = "simultaneous"
	// HalfClose: the client closes right after its request; the server
	// still answers from CLOSE-WAIT, the answer flowing to the client in
	// FIN-WAIT-2, then closes (RFC 9293 §3.6: CLOSE means "I have no more
	// to send").
	HalfClose Scenario = "half-close"
	// Abort: the client resets the connection once it has the answer
	// (RFC 9293 §3.10.5): no FIN, no TIME-WAIT.
	Abort Scenario = "abort"
)

// Scenarios lists the scenarios in the order the help shows them.
var Scenarios = []Scenario{ClientFirst, ServerFirst, Simultaneous, HalfClose, Abort}

// ParseScenario returns the scenario named s.
func ParseScenario(s string) (Scenario, error) {
	for _, sc := range Scenarios {
		if string(sc) == s {
			return sc, nil
		}
	}
	names := make([]string, len(Scenarios))
	for i, sc := range Scenarios {
		names[i] = string(sc)
	}
	return "", fmt.Errorf("lesson: unknown scenario %q (want one of %s)", s, strings.Join(names, ", "))
}

// Run runs the lesson with the given ending. The world runs until nothing
// is left to happen; the error says what did not go to plan.
func Run(cfg HandshakeConfig, sc Scenario) (*HandshakeResult, error) {
	if cfg.Delay < 0 {
		return nil, errors.New("lesson: negative delay")
	}
	if _, err := ParseScenario(string(sc)); err != nil {
		return nil, err
	}
	w := sim.New(sim.Config{Seed: cfg.Seed, Trace: cfg.Trace})
	client, err := w.AddHost(sim.HostConfig{Name: "client", Addr: ClientAddr, TCP: tcpConfig(cfg.MSS, cfg.ClientISN)})
	if err != nil {
		return nil, err
	}
	server, err := w.AddHost(sim.HostConfig{Name: "server", Addr: ServerAddr, TCP: tcpConfig(cfg.MSS, cfg.ServerISN)})
	if err != nil {
		return nil, err
	}
	path := cfg.path()
	if _, err := w.AddLink(client, server, path, path); err != nil {
		return nil, err
	}
	res := &HandshakeResult{World: w, Client: client, Server: server}
	a := &actors{sc: sc, res: res}
	a.lis, err = server.Listen(ServerPort, a.accept)
	if err != nil {
		return nil, err
	}
	a.cli, err = client.Dial(netip.AddrPortFrom(ServerAddr, ServerPort), sim.Handler{
		Established: a.clientEstablished,
		Readable:    a.clientRead,
		PeerClosed:  a.clientRead,
	})
	if err != nil {
		return nil, err
	}
	w.Run()
	if sc == Simultaneous {
		// The exchange is over and both ends are idle in ESTABLISHED:
		// both applications close now, at the same instant.
		if a.cli.State() != tcpstate.Established || a.srv.State() != tcpstate.Established {
			return res, fmt.Errorf("lesson: before closing, client %v and server %v", a.cli.State(), a.srv.State())
		}
		a.cli.Close()
		a.srv.Close()
		w.Run()
	}
	return res, a.check()
}

// actors are the two applications of a lesson.
type actors struct {
	sc       Scenario
	res      *HandshakeResult
	lis      *sim.Listener
	cli, srv sim.Conn
	// What each side has done so far.
	srvEOF, cliEOF, replied, cliDone bool
}

func (a *actors) accept(c sim.Conn) sim.Handler {
	a.srv = c
	return sim.Handler{
		Readable:   a.serverRead,
		PeerClosed: a.serverRead,
		Writable:   a.serverWritable,
		Closed:     a.serverClosed,
	}
}

// serverClosed: when the connection is over the server stops listening.
// A connection ended by a reset is closed by the application too, like a
// closesocket after recv reports the reset.
func (a *actors) serverClosed(c sim.Conn, err error) {
	if err != nil {
		c.Close()
	}
	a.lis.Close()
}

// serverWritable: in half-close the server closes once its answer, sent
// from CLOSE-WAIT, has been acknowledged.
func (a *actors) serverWritable(c sim.Conn) {
	if a.sc == HalfClose && a.replied && c.State() == tcpstate.CloseWait && c.TCB().SendQueued == 0 {
		c.Close()
	}
}

func (a *actors) serverRead(c sim.Conn) {
	if !a.srvEOF && read(c, &a.res.ServerReceived) {
		a.srvEOF = true
	}
	if !a.replied && len(a.res.ServerReceived) >= len(Request) {
		a.replied = true
		c.Write([]byte(Response))
		if a.sc == ServerFirst {
			c.Close()
		}
	}
	// In client-first the server closes on the end of the stream. (In
	// server-first it has closed already, in half-close it waits for its
	// answer to be acknowledged, in simultaneous both were closed at once,
	// and in abort the stream ends with a reset.)
	if a.srvEOF && a.sc == ClientFirst && c.State() == tcpstate.CloseWait {
		c.Close()
	}
}

func (a *actors) clientEstablished(c sim.Conn) {
	c.Write([]byte(Request))
	if a.sc == HalfClose {
		c.Close() // the FIN follows the request
	}
}

func (a *actors) clientRead(c sim.Conn) {
	if !a.cliEOF && read(c, &a.res.ClientReceived) {
		a.cliEOF = true
	}
	if a.cliDone || len(a.res.ClientReceived) < len(Response) {
		return
	}
	switch a.sc {
	case ClientFirst:
		a.cliDone = true
		c.Close()
	case ServerFirst:
		if a.cliEOF {
			a.cliDone = true
			c.Close()
		}
	case Abort:
		a.cliDone = true
		c.Abort()
	}
}

// check says whether the run went to plan.
func (a *actors) check() error {
	res := a.res
	switch {
	case a.cli.Valid():
		return fmt.Errorf("lesson: the client connection did not end (%v)", a.cli)
	case a.srv == (sim.Conn{}):
		return errors.New("lesson: the server accepted no connection")
	case a.srv.Valid():
		return fmt.Errorf("lesson: the server connection did not end (%v)", a.srv)
	case res.ServerReceived != Request || res.ClientReceived != Response:
		return fmt.Errorf("lesson: the server read %q and the client %q", res.ServerReceived, res.ClientReceived)
	}
	return nil
}
