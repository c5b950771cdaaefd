package ladder_test

import (
	"os"
	"time"

	"github.com/tcpsim/tcpsim/internal/ladder"
)

// A three-way handshake (RFC 9293 §3.5) over a path with a 10 ms one-way
// delay, drawn for a terminal in plain ASCII.
func Example() {
	const ms = time.Millisecond
	d := ladder.Diagram{
		Left:  "client",
		Right: "server",
		Events: []ladder.Event{
			ladder.State{Side: ladder.Right, At: 0, From: "CLOSED", To: "LISTEN"},
			ladder.Note{Side: ladder.Left, At: 0, Text: "connect"},
			ladder.State{Side: ladder.Left, At: 0, From: "CLOSED", To: "SYN-SENT"},
			ladder.Segment{From: ladder.Left, Sent: 0, Arrived: 10 * ms,
				Label: ladder.SegmentLabel("S", 0, 0, false, 65535, 0)},
			ladder.State{Side: ladder.Right, At: 10 * ms, From: "LISTEN", To: "SYN-RECEIVED"},
			ladder.Segment{From: ladder.Right, Sent: 10 * ms, Arrived: 20 * ms,
				Label: ladder.SegmentLabel("S.", 0, 1, true, 65535, 0)},
			ladder.State{Side: ladder.Left, At: 20 * ms, From: "SYN-SENT", To: "ESTABLISHED"},
			ladder.Segment{From: ladder.Left, Sent: 20 * ms, Arrived: 30 * ms,
				Label: ladder.SegmentLabel(".", 1, 1, true, 65535, 0)},
			ladder.State{Side: ladder.Right, At: 30 * ms, From: "SYN-RECEIVED", To: "ESTABLISHED"},
		},
	}
	if err := d.WriteText(os.Stdout, ladder.TextOptions{Width: 72, ASCII: true}); err != nil {
		panic(err)
	}
	// Output:
	// time            client                                 server
	// 0.000s     connect |                                      | LISTEN
	//           SYN-SENT |----- S seq 0 win 65535 len 0         |
	//                    |     ---------                        |
	//                    |              ----------              |
	//                    |                        ---------     |
	// 0.010s             |                                 ---->| SYN-RECEIVED
	//                    |  S. seq 0 ack 1 win 65535 len 0 -----|
	//                    |                        ---------     |
	//                    |              ----------              |
	//                    |     ---------                        |
	// 0.020s ESTABLISHED |<----                                 |
	//                    |----- . seq 1 ack 1 win 65535 len 0   |
	//                    |     ---------                        |
	//                    |              ----------              |
	//                    |                        ---------     |
	// 0.030s             |                                 ---->| ESTABLISHED
}

// Writing the SVG ladder of a lost datagram to a file that opens in a
// browser. (Not run as a test: it writes a file.)
func ExampleDiagram_WriteSVG() {
	d := ladder.Diagram{
		Left:  "client",
		Right: "server",
		Events: []ladder.Event{
			ladder.Note{Side: ladder.Left, At: 0, Text: `sendto "query"`},
			ladder.Datagram{From: ladder.Left, Sent: 0, Arrived: 0, Label: "UDP len 5", Dropped: true, Reason: "loss"},
		},
	}
	f, err := os.Create("ladder.svg")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := d.WriteSVG(f); err != nil {
		panic(err)
	}
}
