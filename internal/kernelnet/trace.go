package kernelnet

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TraceSegment is a segment seen on the TUN link, at the driver: from
// tcpsim towards the kernel or back.
type TraceSegment struct {
	At         time.Duration // since the trace started
	FromTcpsim bool
	Seg        tcpstate.Segment // without its payload
	Len        int              // the payload's length
}

// maxTrace bounds a trace: a bulk transfer's thousands of segments are
// more than a failure report can show.
const maxTrace = 2000
