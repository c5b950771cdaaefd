package tcptest_test

import (
	"fmt"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	. "github.com/tcpsim/tcpsim/tcpstate/tcptest"
)

// printT stands in for the *testing.T a real test passes to Run.
type printT struct{}

func (printT) Helper()                           {}
func (printT) Fatalf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// A scenario test: a listening connection answers a SYN with a SYN-ACK and,
// when no ACK comes, retransmits it after the initial RTO of RFC 6298 (1 s),
// then after twice that. In a test function, pass its *testing.T to Run.
func Example() {
	h := Run(printT{},
		Listen(),
		Inject(Peer(tcpstate.SYN, R(0), 0).MSS(1460), tcpstate.Accepted),
		Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
		Advance(999*time.Millisecond),
		ExpectNothing(),
		Advance(time.Millisecond), // RFC 6298 (2.1): the initial RTO is 1 s
		Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
		Advance(2*time.Second), // (5.5): back off, doubling the RTO
		Expect(Us(tcpstate.SYN|tcpstate.ACK, L(0), R(1)).MSS(1460)),
		State(tcpstate.SynReceived),
	)
	fmt.Println(h.Conn.State(), h.Elapsed())
	// Output: SYN-RECEIVED 3s
}

// When a step does not hold, the failure names the step's line, the
// virtual time, and what came against what was expected, with sequence
// numbers relative to the ISSs (L for the local end, R for the peer).
func Example_failure() {
	Run(printT{},
		Established(),
		Close(nil),
		Expect(Us(tcpstate.ACK, L(1), R(1))), // wrong: Close sends a FIN
	)
	// Output: example_test.go:44: t=0s: got F. L+1 ack R+1 win 65535 len 0 / want . L+1 ack R+1 len 0
}
