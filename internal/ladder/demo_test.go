package ladder

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const ms = time.Millisecond

// demo is a hand-written conversation over a path with a 50 ms one-way
// delay: the three-way handshake (RFC 9293 §3.5, Figure 6), "hello" lost
// on its first try and retransmitted when the retransmission timer expires
// (RFC 6298 (2.1): initial RTO 1 s), and the close started by the client
// (RFC 9293 §3.6, Figure 12), its ACK and FIN arriving together. Sequence
// numbers are relative to each side's ISN.
func demo() Diagram {
	const (
		C = Left
		S = Right
	)
	return Diagram{
		Left:  "client 198.18.0.1:49152",
		Right: "server 198.18.0.2:80",
		Events: []Event{
			Note{S, 0, "listen :80"},
			State{S, 0, "CLOSED", "LISTEN", "RFC 9293 §3.10.1: passive OPEN"},
			Note{C, 0, "connect 198.18.0.2:80"},
			State{C, 0, "CLOSED", "SYN-SENT", "RFC 9293 §3.10.1: active OPEN"},
			Segment{From: C, Sent: 0, Arrived: 50 * ms, Label: "S seq 0 win 65535 len 0"}, // 4
			State{S, 50 * ms, "LISTEN", "SYN-RECEIVED", "RFC 9293 §3.10.7.2: SYN in LISTEN"},
			Segment{From: S, Sent: 50 * ms, Arrived: 100 * ms, Label: "S. seq 0 ack 1 win 65535 len 0"},
			State{C, 100 * ms, "SYN-SENT", "ESTABLISHED", "RFC 9293 §3.10.7.3: SYN-ACK acknowledges our SYN"},
			Segment{From: C, Sent: 100 * ms, Arrived: 150 * ms, Label: ". seq 1 ack 1 win 65535 len 0"},
			Note{C, 100 * ms, `send "hello"`},
			Segment{From: C, Sent: 100 * ms, Arrived: 100 * ms, Label: "P. seq 1 ack 1 win 65535 len 5", Dropped: true, Reason: "loss"},
			State{S, 150 * ms, "SYN-RECEIVED", "ESTABLISHED", "RFC 9293 §3.10.7.4: ACK of our SYN"},
			Note{S, 150 * ms, "accept"},
			Note{C, 1100 * ms, "retransmission timeout"},
			Segment{From: C, Sent: 1100 * ms, Arrived: 1150 * ms, Label: "P. seq 1 ack 1 win 65535 len 5"},
			Segment{From: S, Sent: 1150 * ms, Arrived: 1200 * ms, Label: ". seq 1 ack 6 win 65530 len 0"},
			Note{S, 1150 * ms, `recv "hello"`},
			Note{C, 1200 * ms, "close"},
			State{C, 1200 * ms, "ESTABLISHED", "FIN-WAIT-1", "RFC 9293 §3.10.4: CLOSE"},
			Segment{From: C, Sent: 1200 * ms, Arrived: 1250 * ms, Label: "F. seq 6 ack 1 win 65535 len 0"},
			State{S, 1250 * ms, "ESTABLISHED", "CLOSE-WAIT", "RFC 9293 §3.10.7.4: FIN received"},
			Segment{From: S, Sent: 1250 * ms, Arrived: 1300 * ms, Label: ". seq 1 ack 7 win 65529 len 0"}, // 21
			Note{S, 1250 * ms, "close"},
			State{S, 1250 * ms, "CLOSE-WAIT", "LAST-ACK", "RFC 9293 §3.10.4: CLOSE in CLOSE-WAIT"},
			Segment{From: S, Sent: 1250 * ms, Arrived: 1300 * ms, Label: "F. seq 1 ack 7 win 65529 len 0"}, // 24
			Arrival{21},
			State{C, 1300 * ms, "FIN-WAIT-1", "FIN-WAIT-2", "RFC 9293 §3.10.7.4: our FIN acknowledged"},
			Arrival{24},
			State{C, 1300 * ms, "FIN-WAIT-2", "TIME-WAIT", "RFC 9293 §3.10.7.4: FIN in FIN-WAIT-2"},
			Segment{From: C, Sent: 1300 * ms, Arrived: 1350 * ms, Label: ". seq 7 ack 2 win 65535 len 0"},
			State{S, 1350 * ms, "LAST-ACK", "CLOSED", "RFC 9293 §3.10.7.4: our FIN acknowledged"},
			State{C, 241300 * ms, "TIME-WAIT", "CLOSED", "RFC 9293 §3.10.8: 2×MSL"},
		},
	}
}

// udpDemo is a request and its response over UDP (RFC 768): no
// handshake, no state; the first request is lost and the application
// sends it again after its own 1 s timeout, as UDP itself never
// retransmits.
func udpDemo() Diagram {
	return Diagram{
		Left:  "client 198.18.0.1:49152",
		Right: "server 198.18.0.2:53",
		Events: []Event{
			Note{Right, 0, "bind :53"},
			Note{Left, 0, `sendto "query"`},
			Datagram{From: Left, Sent: 0, Arrived: 0, Label: "UDP len 5", Dropped: true, Reason: "loss"},
			Note{Left, 1000 * ms, `sendto "query"`},
			Datagram{From: Left, Sent: 1000 * ms, Arrived: 1050 * ms, Label: "UDP len 5"},
			Note{Right, 1050 * ms, `recvfrom "query"`},
			Datagram{From: Right, Sent: 1050 * ms, Arrived: 1100 * ms, Label: "UDP len 6"},
			Note{Left, 1100 * ms, `recvfrom "answer"`},
		},
	}
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it); got:\n%s", path, got)
	}
}
