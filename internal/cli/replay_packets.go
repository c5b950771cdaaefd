package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tcpsim/tcpsim/capture"
)

// packetList writes replay --packets as the capture is read, so that a
// capture larger than memory can be listed: a line per TCP segment in
// text, or the "segments" array of the JSON document, which
// writeReplayJSON then completes.
type packetList struct {
	w    io.Writer
	path string
	json bool
	n    int   // segments written
	err  error // the first write error
}

// newPacketList returns the list, or nil without --packets.
func newPacketList(w io.Writer, path string, opts *replayOptions) *packetList {
	if !opts.packets {
		return nil
	}
	return &packetList{w: w, path: path, json: opts.output.v == "json"}
}

// replaySegment is a segment in -o json --packets.
type replaySegment struct {
	Frame       int      `json:"frame"`
	Time        float64  `json:"time"`
	Stream      int      `json:"stream"`
	Src         string   `json:"src"`
	Dst         string   `json:"dst"`
	Flags       string   `json:"flags"`
	Seq         uint32   `json:"seq"`
	Ack         uint32   `json:"ack"`
	Len         int      `json:"len"`
	Window      uint32   `json:"window"`
	ClientState string   `json:"client_state"`
	ServerState string   `json:"server_state"`
	Analysis    []string `json:"analysis"`
}

// packetHeader heads the text list; packetLine formats one segment under
// it.
const (
	packetHeader = "  frame         time  stream  src                    dst                    flags         seq         ack    len      win  client       server       analysis"
	packetLine   = "%7d %12.6f %7d  %-22s %-22s %-5s %11d %11d %6d %8d  %-12s %-12s %s\n"
)

// add writes one segment; on a nil list it does nothing.
func (l *packetList) add(rec capture.Record, p *capture.Packet, si capture.SegmentInfo) {
	if l == nil || l.err != nil {
		return
	}
	seg := &p.Segment
	analysis := "-"
	if si.Anomaly != 0 {
		analysis = strings.ReplaceAll(si.Anomaly.String(), "|", ",")
	}
	if !l.json {
		if l.n == 0 {
			_, l.err = fmt.Fprintln(l.w, packetHeader)
		}
		l.n++
		if l.err == nil {
			_, l.err = fmt.Fprintf(l.w, packetLine, rec.Number, si.At.Seconds(), si.Stream, seg.Src, seg.Dst,
				seg.Flags, si.RelSeq, si.RelAck, p.Len, si.Window, si.ClientState, si.ServerState, analysis)
		}
		return
	}
	b, _ := json.Marshal(replaySegment{Frame: rec.Number, Time: si.At.Seconds(), Stream: si.Stream,
		Src: seg.Src.String(), Dst: seg.Dst.String(), Flags: seg.Flags.String(), Seq: si.RelSeq, Ack: si.RelAck,
		Len: p.Len, Window: si.Window, ClientState: si.ClientState.String(), ServerState: si.ServerState.String(),
		Analysis: anomalyNames(si.Anomaly)})
	sep := ",\n    "
	if l.n == 0 {
		file, _ := json.Marshal(l.path)
		sep = "{\n  \"file\": " + string(file) + ",\n  \"segments\": [\n    "
	}
	l.n++
	_, l.err = fmt.Fprintf(l.w, "%s%s", sep, b)
}

// anomalyNames lists what the sequence analysis flags, as tshark's field
// names ([] for nothing).
func anomalyNames(a capture.Anomaly) []string {
	if a == 0 {
		return []string{}
	}
	return strings.Split(a.String(), "|")
}

// abandon ends a JSON list begun before err was found, so that the
// document stays whole: the segments, then the error.
func (l *packetList) abandon(err error) {
	if l == nil || !l.json || l.n == 0 || l.err != nil {
		return
	}
	msg, _ := json.Marshal(err.Error())
	_, l.err = fmt.Fprintf(l.w, "\n  ],\n  \"error\": %s\n}\n", msg)
}
