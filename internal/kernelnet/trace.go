package kernelnet

import (
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// TraceSegment is a segment on the link as the tcpsim endpoint sees it:
// its own when it sends them, the kernel's when they reach it. A segment
// the link lost (Impairments.Loss) is kept, marked Lost, at the time it
// was lost: as it left tcpsim, or as the kernel's came out of the TUN
// device.
type TraceSegment struct {
	At         time.Duration // since the trace started
	FromTcpsim bool
	Lost       bool
	Seg        tcpstate.Segment // without its payload
	Len        int              // the payload's length
}

// maxTrace bounds a trace: a bulk transfer's thousands of segments are
// more than a failure report can show.
const maxTrace = 2000
