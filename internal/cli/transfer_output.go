package cli

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tcpsim/tcpsim/internal/lesson"
	"github.com/tcpsim/tcpsim/internal/tsg"
)

// transferSummary is a finished transfer and the flags that made it.
type transferSummary struct {
	opts *transferOptions
	res  *lesson.TransferResult
}

// cwndNote stands in for the congestion window of a client that sent no
// data.
const cwndNote = "cwnd: no data was sent"

// link describes the link the flags set, in their own words.
func (s *transferSummary) link() string {
	lo := &s.opts.lesson
	parts := []string{"delay " + time.Duration(lo.delay).String()}
	add := func(name string, set bool, value string) {
		if set {
			parts = append(parts, name+" "+value)
		}
	}
	add("jitter", lo.jitter > 0, lo.jitter.String())
	add("loss", lo.loss > 0, lo.loss.String())
	add("reorder", lo.reorder > 0, lo.reorder.String())
	add("dup", lo.dup > 0, lo.dup.String())
	add("corrupt", lo.corrupt > 0, lo.corrupt.String())
	add("rate", lo.rate > 0, formatBitRate(float64(lo.rate)))
	add("queue", lo.queue.v > 0, lo.queue.String())
	add("drop", len(lo.drop) > 0, lo.drop.String())
	return strings.Join(parts, ", ")
}

// title heads the text summary and the graph.
func (s *transferSummary) title() string {
	return fmt.Sprintf("tcpsim transfer: %d bytes, %s, seed %d", s.res.Bytes, s.link(), s.opts.lesson.seed)
}

func (s *transferSummary) writeText(w io.Writer) error {
	r := s.res
	yesNo := map[bool]string{true: "yes", false: "NO"}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", s.title())
	row := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "  %-18s "+format+"\n", append([]any{name}, args...)...)
	}
	row("bytes sent", "%d", r.Bytes)
	row("bytes received", "%d", r.Received)
	if r.Done > 0 {
		row("duration", "%.3f s of virtual time until the server had every byte", r.Done.Seconds())
	} else {
		row("duration", "the server never had every byte")
	}
	row("both CLOSED after", "%.3f s", r.Closed.Seconds())
	row("goodput", "%s", formatBitRate(r.GoodputBPS()))
	row("data segments", "%d", r.DataSegments)
	row("retransmissions", "%d", r.Retransmissions)
	row("fast retransmits", "%d", r.FastRetransmits)
	row("timeouts", "%d", r.Timeouts)
	row("duplicate ACKs", "%d", r.DupAcks)
	if r.FinalCwnd != nil {
		row("final cwnd", "%d bytes", *r.FinalCwnd)
	} else {
		row("final cwnd", "none (no data was sent)")
	}
	row("SHA-256 match", "%s (sent %s)", yesNo[r.Match()], hex.EncodeToString(r.SentSHA256[:]))
	_, err := io.WriteString(w, b.String())
	return err
}

// formatBitRate writes bits per second with an SI prefix, as tc does.
func formatBitRate(bps float64) string {
	for _, u := range []struct {
		scale float64
		name  string
	}{{1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}} {
		if bps >= u.scale {
			return strconv.FormatFloat(bps/u.scale, 'f', 3, 64) + " " + u.name
		}
	}
	return strconv.FormatFloat(bps, 'f', 0, 64) + " bit/s"
}

// transferJSON is the -o json document. Times are virtual seconds from
// the start; final_cwnd is null and cwnd empty while tcpstate has no
// congestion window.
type transferJSON struct {
	Bytes               int64      `json:"bytes"`
	Received            int64      `json:"received"`
	Duration            float64    `json:"duration"`
	Closed              float64    `json:"closed"`
	GoodputBPS          float64    `json:"goodput_bps"`
	DataSegments        int        `json:"data_segments"`
	Retransmissions     int        `json:"retransmissions"`
	FastRetransmissions int        `json:"fast_retransmissions"`
	Timeouts            int        `json:"timeouts"`
	DupAcks             int        `json:"dup_acks"`
	FinalCwnd           *int64     `json:"final_cwnd"`
	SHA256Match         bool       `json:"sha256_match"`
	SHA256Sent          string     `json:"sha256_sent"`
	SHA256Received      string     `json:"sha256_received"`
	Cwnd                []jsonCwnd `json:"cwnd"`
	Seed                uint64     `json:"seed"`
	Link                string     `json:"link"`
}

type jsonCwnd struct {
	T        float64 `json:"t"`
	Cwnd     int64   `json:"cwnd"`
	Ssthresh int64   `json:"ssthresh"`
}

func (s *transferSummary) writeJSON(w io.Writer) error {
	r := s.res
	doc := transferJSON{
		Bytes: r.Bytes, Received: r.Received,
		Duration: r.Done.Seconds(), Closed: r.Closed.Seconds(), GoodputBPS: r.GoodputBPS(),
		DataSegments: r.DataSegments, Retransmissions: r.Retransmissions,
		FastRetransmissions: r.FastRetransmits, Timeouts: r.Timeouts, DupAcks: r.DupAcks,
		FinalCwnd: r.FinalCwnd, SHA256Match: r.Match(),
		SHA256Sent:     hex.EncodeToString(r.SentSHA256[:]),
		SHA256Received: hex.EncodeToString(r.ReceivedSHA256[:]),
		Cwnd:           make([]jsonCwnd, len(r.Cwnd)),
		Seed:           s.opts.lesson.seed,
		Link:           s.link(),
	}
	for i, c := range r.Cwnd {
		doc.Cwnd[i] = jsonCwnd{T: c.At.Seconds(), Cwnd: c.Cwnd, Ssthresh: c.Ssthresh}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// graph is the time–sequence graph of the client's side of the transfer.
func (s *transferSummary) graph() *tsg.Graph {
	r := s.res
	g := &tsg.Graph{
		Title:    s.title(),
		Segments: make([]tsg.Segment, len(r.Segments)),
		Acks:     make([]tsg.Ack, len(r.Acks)),
		Cwnd:     make([]tsg.CwndSample, len(r.Cwnd)),
		CwndNote: cwndNote,
	}
	for i, seg := range r.Segments {
		g.Segments[i] = tsg.Segment{At: seg.At, Seq: seg.Seq, Len: int64(seg.Len), Retransmit: seg.Retransmit}
	}
	for i, a := range r.Acks {
		g.Acks[i] = tsg.Ack{At: a.At, Ack: a.Ack, Win: int64(a.Win)}
	}
	for i, c := range r.Cwnd {
		g.Cwnd[i] = tsg.CwndSample{At: c.At, Cwnd: c.Cwnd, Ssthresh: c.Ssthresh}
	}
	return g
}
