package lesson

import (
	"errors"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
)

// EchoPort is the UDP lesson's server port: the echo service of RFC 862.
const EchoPort = 7

// UDPResult is what the UDP lesson did.
type UDPResult struct {
	World          *sim.World
	Client, Server *sim.Host
	// ClientReceived is the answer the client read, "" if none came.
	ClientReceived string
	// ServerReceived is the request the server read, "" if none came.
	ServerReceived string
}

// UDPWait is how long the client waits for an answer before it gives up.
// UDP itself never retransmits: a lost datagram is gone.
const UDPWait = time.Second

// UDP runs the UDP lesson, TCP's request and answer without a connection:
// the client sends Request in one datagram to the server's port 7, which
// answers Response to whoever asked. Nothing opens or closes, nothing is
// acknowledged, nothing is sent again (RFC 768). The client waits UDPWait
// for the answer; when the request or the answer is lost, the lesson ends
// without one, and that is not an error.
func UDP(cfg HandshakeConfig) (*UDPResult, error) {
	if cfg.Delay < 0 {
		return nil, errors.New("lesson: negative delay")
	}
	w := sim.New(sim.Config{Seed: cfg.Seed, Trace: cfg.Trace})
	client, err := w.AddHost(sim.HostConfig{Name: "client", Addr: ClientAddr})
	if err != nil {
		return nil, err
	}
	server, err := w.AddHost(sim.HostConfig{Name: "server", Addr: ServerAddr})
	if err != nil {
		return nil, err
	}
	path := cfg.path()
	if _, err := w.AddLink(client, server, path, path); err != nil {
		return nil, err
	}
	res := &UDPResult{World: w, Client: client, Server: server}
	buf := make([]byte, 2048)
	_, err = server.BindUDP(EchoPort, sim.UDPHandler{Readable: func(s sim.UDPSocket) {
		n, from, err := s.ReadFrom(buf)
		if err == nil {
			res.ServerReceived += string(buf[:n])
			s.SendTo([]byte(Response), from)
		}
	}})
	if err != nil {
		return nil, err
	}
	cli, err := client.BindUDP(0, sim.UDPHandler{Readable: func(s sim.UDPSocket) {
		if n, _, err := s.ReadFrom(buf); err == nil {
			res.ClientReceived += string(buf[:n])
		}
	}})
	if err != nil {
		return nil, err
	}
	if err := cli.Connect(netip.AddrPortFrom(ServerAddr, EchoPort)); err != nil {
		return nil, err
	}
	if _, err := cli.Send([]byte(Request)); err != nil {
		return nil, err
	}
	w.RunFor(UDPWait)
	cli.Close()
	w.Run()
	return res, nil
}
