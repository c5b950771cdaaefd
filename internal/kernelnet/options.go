package kernelnet

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Options shape the TUN link between the kernel and tcpsim.
type Options struct {
	// Impairments applied between the TUN device and the tcpsim
	// endpoints, both ways (the kernel has no netem here).
	Impairments Impairments
	// TCP is the configuration of the interop scenarios' tcpsim
	// endpoints; nil is the plain RFC profile, tcpstate.DefaultConfig.
	TCP *tcpstate.Config
}

// tcp is the configuration Options asks for.
func (o Options) tcp() tcpstate.Config {
	if o.TCP != nil {
		return *o.TCP
	}
	return tcpstate.DefaultConfig()
}

// Result is the outcome of one scenario run in one direction.
type Result struct {
	Scenario     string
	TcpsimClient bool // tcpsim opened the connection, the kernel listened
	Err          error
	Took         time.Duration
	Trace        []TraceSegment // the segments on the TUN link, for a failure's ladder
}

// Direction names who connected to whom.
func (r Result) Direction() string {
	if r.TcpsimClient {
		return "tcpsim -> kernel"
	}
	return "kernel -> tcpsim"
}
