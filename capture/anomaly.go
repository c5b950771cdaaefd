package capture

import "strings"

// Anomaly is the set of sequence-analysis findings on one TCP segment,
// each as Wireshark defines the tcp.analysis field of the same name
// (checked against tshark 4.0).
type Anomaly uint16

// The findings. A fast or spurious retransmission also carries
// Retransmission, as tshark's tcp.analysis.retransmission does.
const (
	Retransmission         Anomaly = 1 << iota // tcp.analysis.retransmission
	FastRetransmission                         // tcp.analysis.fast_retransmission
	SpuriousRetransmission                     // tcp.analysis.spurious_retransmission
	DupACK                                     // tcp.analysis.duplicate_ack
	OutOfOrder                                 // tcp.analysis.out_of_order
	ZeroWindow                                 // tcp.analysis.zero_window
	WindowFull                                 // tcp.analysis.window_full
	KeepAlive                                  // tcp.analysis.keep_alive
)

var anomalyNames = [...]string{"retransmission", "fast_retransmission", "spurious_retransmission",
	"duplicate_ack", "out_of_order", "zero_window", "window_full", "keep_alive"}

// String names the findings as tshark's fields, joined by "|" ("" for
// none).
func (a Anomaly) String() string {
	var b strings.Builder
	for i, name := range anomalyNames {
		if a&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(name)
	}
	return b.String()
}

// AnomalyCounts counts a connection's packets carrying each finding, as
// tshark counts them with a display filter such as
// "tcp.stream==N && tcp.analysis.retransmission".
type AnomalyCounts struct {
	Retransmissions         int
	FastRetransmissions     int
	SpuriousRetransmissions int
	DupACKs                 int
	OutOfOrder              int
	ZeroWindows             int
	WindowFull              int
	KeepAlives              int
}

// add counts the findings of one packet.
func (c *AnomalyCounts) add(a Anomaly) {
	if a == 0 {
		return
	}
	for i, n := range [...]*int{&c.Retransmissions, &c.FastRetransmissions, &c.SpuriousRetransmissions,
		&c.DupACKs, &c.OutOfOrder, &c.ZeroWindows, &c.WindowFull, &c.KeepAlives} {
		if a&(1<<i) != 0 {
			*n++
		}
	}
}
