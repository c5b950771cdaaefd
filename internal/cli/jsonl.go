package cli

import (
	"encoding/json"
	"io"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// The JSON Lines schema: every object has t (seconds since the start of
// the simulation), type and host; the other keys depend on the type.
// Sequence and acknowledgment numbers are absolute, the window is the
// 16-bit field as sent.

type jsonCommon struct {
	T    float64 `json:"t"`
	Type string  `json:"type"`
	Host string  `json:"host"`
}

type jsonSegment struct {
	jsonCommon
	Event   string `json:"event"` // send, recv, drop
	ID      uint64 `json:"id"`    // transmission number, shared by a segment's send and recv
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	Flags   string `json:"flags"`
	Seq     uint32 `json:"seq"`
	Ack     uint32 `json:"ack"`
	Win     uint16 `json:"win"`
	Len     int    `json:"len"`
	Options string `json:"options"`
	Verdict string `json:"verdict,omitempty"` // recv
	Reason  string `json:"reason,omitempty"`  // drop
	// dup: the transmission this one copies (Path.Duplicate).
	Original uint64   `json:"original,omitempty"`
	State    string   `json:"state,omitempty"` // the host's connection state after the event
	TCB      *jsonTCB `json:"tcb,omitempty"`
}

type jsonTCB struct {
	ISS    uint32 `json:"iss"`
	IRS    uint32 `json:"irs"`
	SndUna uint32 `json:"snd_una"`
	SndNxt uint32 `json:"snd_nxt"`
	SndWnd uint32 `json:"snd_wnd"`
	RcvNxt uint32 `json:"rcv_nxt"`
	RcvWnd uint32 `json:"rcv_wnd"`
}

type jsonState struct {
	jsonCommon
	Local  string `json:"local"`            // the connection whose state changed
	Remote string `json:"remote,omitempty"` // none for a listener
	From   string `json:"from"`
	To     string `json:"to"`
	Rule   string `json:"rule"`
	Cause  string `json:"cause"`        // segment, timer or call
	ID     uint64 `json:"id,omitempty"` // the segment that caused it
}

type jsonCall struct {
	jsonCommon
	Call   string  `json:"call"` // listen, connect, accept, send, recv, close, abort
	Result string  `json:"result"`
	Local  string  `json:"local"`
	Remote string  `json:"remote,omitempty"`
	Len    *int    `json:"len,omitempty"`  // send, recv: bytes
	Data   *string `json:"data,omitempty"` // send, recv: the bytes
}

// jsonDatagram is a UDP datagram: len is its data, as for segments.
type jsonDatagram struct {
	jsonCommon
	Event    string `json:"event"` // send, recv, drop, dup
	ID       uint64 `json:"id"`
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	Len      int    `json:"len"`
	Reason   string `json:"reason,omitempty"`   // drop
	Original uint64 `json:"original,omitempty"` // dup: the transmission copied
}

// jsonICMP is an ICMP error about a datagram.
type jsonICMP struct {
	jsonCommon
	Event   string `json:"event"`
	ID      uint64 `json:"id"`
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	Message string `json:"message"` // e.g. "port unreachable for 198.18.0.1:49152 > 198.18.0.2:7"
	ICMPTyp uint8  `json:"icmp_type"`
	Code    uint8  `json:"code"`
	Reason  string `json:"reason,omitempty"`
}

type jsonTimer struct {
	jsonCommon
	Local  string `json:"local"`
	Remote string `json:"remote,omitempty"`
	Timer  string `json:"timer"`
}

// writeJSONLines writes one JSON object per event.
func writeJSONLines(w io.Writer, events []sim.TraceEvent) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range events {
		if err := enc.Encode(jsonObject(&events[i])); err != nil {
			return err
		}
	}
	return nil
}

func jsonObject(e *sim.TraceEvent) any {
	c := jsonCommon{T: e.Time.Sub(sim.Epoch()).Seconds(), Type: e.Kind.String(), Host: e.Host.Name()}
	switch e.Kind {
	case sim.TraceSegment:
		s := &e.Segment
		o := jsonSegment{
			jsonCommon: c, Event: e.Event.String(), ID: e.Packet,
			Src: s.Src.String(), Dst: s.Dst.String(), Flags: s.Flags.String(),
			Seq: uint32(s.Seq), Ack: uint32(s.Ack), Win: s.Window, Len: len(s.Payload),
			Options: s.Options.String(),
		}
		switch e.Event {
		case sim.Recv:
			o.Verdict = e.Verdict.String()
		case sim.Drop:
			o.Reason = e.Reason.String()
		case sim.Duplicate:
			o.Original = e.Original
		}
		if e.HasTCB {
			o.State = e.TCB.State.String()
			o.TCB = tcbObject(&e.TCB)
		}
		return o
	case sim.TraceState:
		o := jsonState{
			jsonCommon: c, Local: e.Local.String(), Remote: remote(e),
			From: e.From.String(), To: e.To.String(), Rule: e.Rule, Cause: e.Cause.String(),
		}
		if e.Cause == sim.TraceSegment {
			o.ID = e.Packet
		}
		return o
	case sim.TraceCall:
		o := jsonCall{jsonCommon: c, Call: e.Call.String(), Result: e.Result(), Local: e.Local.String(), Remote: remote(e)}
		if e.Call == sim.CallSend || e.Call == sim.CallRecv {
			n, d := e.N, string(e.Data)
			o.Len, o.Data = &n, &d
		}
		return o
	case sim.TraceTimer:
		return jsonTimer{jsonCommon: c, Local: e.Local.String(), Remote: remote(e), Timer: e.Timer.String()}
	case sim.TraceDatagram:
		d := &e.Datagram
		o := jsonDatagram{jsonCommon: c, Event: e.Event.String(), ID: e.Packet,
			Src: d.Src.String(), Dst: d.Dst.String(), Len: len(d.Payload), Original: e.Original}
		if e.Event == sim.Drop {
			o.Reason = e.Reason.String()
		}
		return o
	case sim.TraceICMP:
		m := &e.ICMP
		o := jsonICMP{jsonCommon: c, Event: e.Event.String(), ID: e.Packet,
			Src: m.Src.String(), Dst: m.Dst.String(), Message: m.String(), ICMPTyp: m.Type, Code: m.Code}
		if e.Event == sim.Drop {
			o.Reason = e.Reason.String()
		}
		return o
	}
	return c
}

// remote is the connection's peer, "" for a listener.
func remote(e *sim.TraceEvent) string {
	if !e.Remote.IsValid() {
		return ""
	}
	return e.Remote.String()
}

func tcbObject(t *tcpstate.TCB) *jsonTCB {
	return &jsonTCB{
		ISS: uint32(t.ISS), IRS: uint32(t.IRS),
		SndUna: uint32(t.SndUna), SndNxt: uint32(t.SndNxt), SndWnd: t.SndWnd,
		RcvNxt: uint32(t.RcvNxt), RcvWnd: t.RcvWnd,
	}
}
