package cli

import "testing"

// expectConnection is a TCP connection as tcpsim replay -o json
// defines it, worked out from the frames of its tcp.stream.
//
// The client sent the first SYN (without ACK); failing that, if the
// first packet is a SYN-ACK, its receiver; failing that the connection
// is seen mid-stream, and the end with the higher port is the client.
// syn, synack and handshake_ack say whether the capture holds the
// client's SYN, the server's SYN-ACK and the client's ACK (without SYN)
// of the server's ISN + 1 after it (RFC 9293 §3.5); the ISNs and
// options are those of the first SYN and SYN-ACK. initial_rtt is
// tshark's tcp.analysis.initial_rtt, but see expectInitialRTT. The
// counts are of the packets tshark flags. The end is "RST" if any packet
// is a reset (rst_from: who sent the first), else "FIN/FIN" with a FIN
// each way, "FIN" with one, "open" with none.
func expectConnection(t *testing.T, id int, frames []oracleFrame) map[string]any {
	t.Helper()
	flags := func(f oracleFrame) int64 { return f.int(t, "tcp.flags") }
	first := frames[0]
	client, server := first.endpoints(t, "tcp")
	midStream := false
	switch syn := firstWith(t, frames, "", flagSYN); {
	case syn != nil:
		client, server = syn.endpoints(t, "tcp")
	case flags(first)&(flagSYN|flagACK) == flagSYN|flagACK:
		client, server = server, client
	default:
		midStream = true
		if first.int(t, "tcp.srcport") < first.int(t, "tcp.dstport") {
			client, server = server, client
		}
	}
	syn, synack := firstWith(t, frames, client, flagSYN), firstWith(t, frames, server, flagSYN|flagACK)
	c := map[string]any{"stream": float64(id), "client": client, "server": server, "mid_stream": midStream,
		"first": first.float(t, "frame.time_relative"), "last": frames[len(frames)-1].float(t, "frame.time_relative"),
		"syn": syn != nil, "synack": synack != nil,
		"client_isn": rawSeq(t, syn), "server_isn": rawSeq(t, synack),
		"client_options": synOptionsOf(t, syn), "server_options": synOptionsOf(t, synack),
		"end": "open", "rst_from": ""}
	var packets, bytes [2]float64
	var fin [2]bool
	for _, k := range analysisKeys {
		c[k.key] = 0.0
	}
	afterSYNACK := false
	var handshakeACK oracleFrame
	for _, f := range frames {
		src, _ := f.endpoints(t, "tcp")
		dir, fl := direction(src, client), flags(f)
		packets[dir]++
		bytes[dir] += float64(f.int(t, "tcp.len"))
		if synack != nil && dir == 0 && afterSYNACK && fl&(flagSYN|flagACK) == flagACK && handshakeACK == nil &&
			uint32(f.int(t, "tcp.ack_raw")) == uint32(synack.int(t, "tcp.seq_raw"))+1 {
			handshakeACK = f
		}
		afterSYNACK = afterSYNACK || synack != nil && f["frame.number"] == synack["frame.number"]
		for _, k := range analysisKeys {
			if f.set(k.field) {
				c[k.key] = c[k.key].(float64) + 1
			}
		}
		fin[dir] = fin[dir] || fl&flagFIN != 0
		switch {
		case c["end"] == "RST":
		case fl&flagRST != 0:
			c["end"], c["rst_from"] = "RST", [2]string{"client", "server"}[dir]
		case fin[0] && fin[1]:
			c["end"] = "FIN/FIN"
		case fin[0] || fin[1]:
			c["end"] = "FIN"
		}
	}
	c["handshake_ack"] = handshakeACK != nil
	c["initial_rtt"] = expectInitialRTT(t, frames, client, syn != nil, handshakeACK)
	c["packets_c2s"], c["packets_s2c"], c["bytes_c2s"], c["bytes_s2c"] = packets[0], packets[1], bytes[0], bytes[1]
	return c
}

// firstWith is the first frame sent by src ("": by either end) whose SYN
// and ACK flags are those of want, or nil.
func firstWith(t *testing.T, frames []oracleFrame, src string, want int64) oracleFrame {
	for _, f := range frames {
		from, _ := f.endpoints(t, "tcp")
		if (src == "" || from == src) && f.int(t, "tcp.flags")&(flagSYN|flagACK) == want {
			return f
		}
	}
	return nil
}

// rawSeq is the frame's tcp.seq_raw, or nil without the frame.
func rawSeq(t *testing.T, f oracleFrame) any {
	if f == nil {
		return nil
	}
	return float64(f.int(t, "tcp.seq_raw"))
}
