// Package lesson holds the scenarios tcpsim teaches with: small worlds
// whose applications play a fixed part, run in virtual time.
package lesson

import (
	"io"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// The handshake lesson's cast. The addresses come from 198.18.0.0/15, the
// block RFC 2544 reserves for benchmark tests, so they never clash with a
// real network's.
var (
	ClientAddr = netip.MustParseAddr("198.18.0.1")
	ServerAddr = netip.MustParseAddr("198.18.0.2")
)

// The handshake lesson's script.
const (
	ServerPort = 80
	Request    = "hello"
	Response   = "hello back"
)

// HandshakeConfig sets up a lesson.
type HandshakeConfig struct {
	Seed  uint64        // the world's seed
	Delay time.Duration // one-way delay, the same both ways
	// Path, when not nil, is the link in each direction (its Delay is
	// used, not the Delay above): loss, jitter and the rest of netem's
	// vocabulary.
	Path *sim.Path
	MSS  uint16 // announced by both hosts; 0 derives it from the MTU
	// ClientISN and ServerISN fix the initial sequence numbers; nil
	// leaves them to the world's generator.
	ClientISN, ServerISN *uint32
	// Trace observes the run (sim.Config.Trace).
	Trace func(sim.TraceEvent)
}

// HandshakeResult is what the lesson did.
type HandshakeResult struct {
	World          *sim.World
	Client, Server *sim.Host
	// Received is what each application read before the end of stream.
	ClientReceived, ServerReceived string
}

// Handshake runs the default lesson, the ClientFirst scenario: the client
// connects to the server, which listens on port 80; it sends Request, the
// server answers Response; the client closes once it has the answer, the
// server closes when it reads the end of the stream and stops listening
// when its connection is over. The world runs until nothing is left to
// happen, TIME-WAIT included. The error says what did not go to plan.
func Handshake(cfg HandshakeConfig) (*HandshakeResult, error) {
	return Run(cfg, ClientFirst)
}

// read reads once into *got and reports the end of stream. The buffer is
// as large as the receive buffer, so one read takes all there is.
func read(c sim.Conn, got *string) (eof bool) {
	buf := make([]byte, tcpstate.DefaultConfig().RecvBuffer)
	n, err := c.Read(buf)
	*got += string(buf[:n])
	return err == io.EOF
}

// path is the link the config asks for.
func (cfg *HandshakeConfig) path() sim.Path {
	if cfg.Path != nil {
		return *cfg.Path
	}
	return sim.Path{Delay: cfg.Delay}
}

func tcpConfig(mss uint16, isn *uint32) *tcpstate.Config {
	cfg := tcpstate.DefaultConfig()
	cfg.MSS = mss
	if isn != nil {
		v := seqnum.Value(*isn)
		cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return v }
	}
	return &cfg
}
