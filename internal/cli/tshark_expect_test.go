package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TCP flags as tshark's tcp.flags has them (RFC 9293 §3.1).
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagACK = 0x10
)

// analysisKeys pairs each count of tcpsim replay -o json with the
// tshark sequence-analysis flag it counts.
var analysisKeys = [...]struct{ key, field string }{
	{"retransmissions", "tcp.analysis.retransmission"},
	{"fast_retransmissions", "tcp.analysis.fast_retransmission"},
	{"spurious_retransmissions", "tcp.analysis.spurious_retransmission"},
	{"dup_acks", "tcp.analysis.duplicate_ack"},
	{"out_of_order", "tcp.analysis.out_of_order"},
	{"zero_windows", "tcp.analysis.zero_window"},
	{"window_full", "tcp.analysis.window_full"},
	{"keep_alives", "tcp.analysis.keep_alive"},
}

// oracleDoc is what tcpsim replay -o json should write for a capture,
// worked out from tshark's reading of it: the top-level counts, then
// each TCP connection and UDP flow by its keys, with JSON's types
// (numbers float64, absent values nil).
type oracleDoc struct {
	packets, problems, fragments float64
	tcp, udp                     []map[string]any
}

// expectFromOracle works out the document from the frames: the packets
// of each tcp.stream and udp.stream, in order, ICMP messages and
// fragments left out.
func expectFromOracle(t *testing.T, frames []oracleFrame) oracleDoc {
	t.Helper()
	var doc oracleDoc
	var tcp, udp [][]oracleFrame
	group := func(streams *[][]oracleFrame, f oracleFrame, field string) {
		id := int(f.int(t, field))
		require.LessOrEqual(t, id, len(*streams), "frame %s: %s numbered in order", f["frame.number"], field)
		if id == len(*streams) {
			*streams = append(*streams, nil)
		}
		(*streams)[id] = append((*streams)[id], f)
	}
	for _, f := range frames {
		doc.packets++
		if f["_ws.malformed"] != "" {
			doc.problems++
		}
		switch {
		case f.fragment():
			doc.fragments++
		case f.icmp():
		case f["tcp.stream"] != "":
			group(&tcp, f, "tcp.stream")
		case f["udp.stream"] != "":
			group(&udp, f, "udp.stream")
		}
	}
	for id, s := range tcp {
		doc.tcp = append(doc.tcp, expectConnection(t, id, s))
	}
	for id, s := range udp {
		doc.udp = append(doc.udp, expectFlow(t, id, s))
	}
	return doc
}

// expectFlow is a UDP flow: the client sent its first datagram; bytes
// are the UDP payloads (udp.length less the 8-byte header, RFC 768).
func expectFlow(t *testing.T, id int, frames []oracleFrame) map[string]any {
	client, server := frames[0].endpoints(t, "udp")
	var packets, bytes [2]float64
	for _, f := range frames {
		src, _ := f.endpoints(t, "udp")
		dir := direction(src, client)
		packets[dir]++
		bytes[dir] += float64(f.int(t, "udp.length") - 8)
	}
	return map[string]any{"stream": float64(id), "client": client, "server": server,
		"first": frames[0].float(t, "frame.time_relative"), "last": frames[len(frames)-1].float(t, "frame.time_relative"),
		"packets_c2s": packets[0], "packets_s2c": packets[1], "bytes_c2s": bytes[0], "bytes_s2c": bytes[1]}
}

// direction is 0 for a packet from the client, 1 for one to it.
func direction(src, client string) int {
	if src == client {
		return 0
	}
	return 1
}

// synOptionsOf names the options of a SYN or SYN-ACK as tcpsim replay
// does, "mss 65495,sackOK,TS,wscale 7", those present in that order;
// nil without the segment.
func synOptionsOf(t *testing.T, f oracleFrame) any {
	if f == nil {
		return nil
	}
	var parts []string
	if f["tcp.options.mss_val"] != "" {
		parts = append(parts, fmt.Sprintf("mss %d", f.int(t, "tcp.options.mss_val")))
	}
	if f["tcp.options.sack_perm"] != "" {
		parts = append(parts, "sackOK")
	}
	if f["tcp.options.timestamp.tsval"] != "" {
		parts = append(parts, "TS")
	}
	if f["tcp.options.wscale.shift"] != "" {
		parts = append(parts, fmt.Sprintf("wscale %d", f.int(t, "tcp.options.wscale.shift")))
	}
	return strings.Join(parts, ",")
}
