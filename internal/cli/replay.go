package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tcpsim/tcpsim/capture"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// replayOptions are the flags of tcpsim replay.
type replayOptions struct {
	output  formatFlag
	packets bool
	stream  int // -1: every connection
	svg     string
	drive   formatFlag // "", client or server
	profile formatFlag // --drive's profile
}

func newReplayCommand() *cobra.Command {
	opts := replayOptions{output: formatFlag{v: "text", allowed: []string{"text", "json"}},
		drive: formatFlag{allowed: []string{"client", "server"}}, profile: profileFlag("rfc")}
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Analyse a pcap or pcapng capture: each TCP connection and UDP flow in it",
		Long: `Read a capture (pcap or pcapng; Ethernet, raw IP, Linux cooked or BSD
loopback) and report each TCP connection, numbered as Wireshark's tcp.stream:
client and server (the client sent the first SYN), when it was first and last
seen, packets and payload bytes each way, the handshake as seen, both ISNs,
how it ended (FIN/FIN, FIN one way, RST and who sent it, or open), how
many of its packets Wireshark's sequence analysis would flag as
retransmissions (fast, spurious), duplicate ACKs, out-of-order, zero window,
window full and keep-alive, and the RFC 9293 state of each end at the end of
the capture. UDP flows are numbered as udp.stream, the client being the first
sender.

Each end's state is reconstructed by feeding the segments the capture shows
to two passive observers built on tcpsim's own TCP: what one end sent, the
other received. --packets lists every TCP segment with its relative sequence
and acknowledgment numbers (as Wireshark shows them), flags, length, window
(scaled), both ends' states after it and what the sequence analysis flags.

--svg draws one connection as a ladder diagram. --drive replays one side of a
connection into tcpsim's TCP playing the other, and reports where what tcpsim
sends differs from what the captured end sent (exit status 1 if it does).

Packets that cannot be decoded are counted and the rest of the file is still
read; a file that is not a capture is an error naming the packet, and one
damaged part way is reported as far as it could be read, then an error.`,
		Example: `  tcpsim replay capture.pcap
  tcpsim replay capture.pcapng -o json
  tcpsim replay capture.pcap --packets --stream 2
  tcpsim replay capture.pcap --stream 2 --svg stream2.svg`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.stream < -1 {
				return fmt.Errorf("--stream %d: streams are numbered from 0", opts.stream)
			}
			if opts.drive.v != "" && opts.packets {
				return errors.New("--drive and --packets do not go together: --drive reports on the replay")
			}
			return failed(runReplay(cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], &opts))
		},
	}
	f := cmd.Flags()
	f.VarP(&opts.output, "output", "o", "output format: text or json (one JSON document)")
	f.BoolVar(&opts.packets, "packets", false, "list every TCP segment with both ends' states after it")
	f.IntVar(&opts.stream, "stream", -1, "only the TCP connection with this tcp.stream `number`")
	f.StringVar(&opts.svg, "svg", "", "write the ladder diagram of the connection (--stream, or the only one) to this SVG `file`")
	f.Var(&opts.profile, "profile", "with --drive, tcpsim's `profile`: rfc (the plain RFC defaults) or linux (what Linux shows on the wire)")
	f.Var(&opts.drive, "drive", "replay the connection (--stream, or the only one) into tcpsim playing this `side`, client or server, and report where it differs from the captured one")
	return cmd
}

func runReplay(stdout, progress io.Writer, path string, opts *replayOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return err // names the file
	}
	defer f.Close()
	var svg *outputFile
	if opts.svg != "" {
		if svg, err = createOutput(opts.svg); err != nil {
			return fmt.Errorf("--svg: %w", err)
		}
		defer svg.discard()
	}
	w := &errWriter{w: stdout}
	in := newReplayProgress(f, progress, opts.packets)
	list := newPacketList(w, path, opts)
	var ladder *streamLadder
	if svg != nil {
		ladder = &streamLadder{stream: max(opts.stream, 0)}
	}
	var drive *driveCollector
	if opts.drive.v != "" {
		drive = &driveCollector{stream: max(opts.stream, 0)}
	}
	a, readErr := capture.AnalyzeEach(in, func(rec capture.Record, p *capture.Packet, si capture.SegmentInfo) {
		in.tick()
		if p.Kind != capture.TCP || opts.stream >= 0 && si.Stream != opts.stream {
			return
		}
		list.add(rec, p, si)
		ladder.add(p, si)
		drive.add(rec, p, si)
	})
	in.done()
	if readErr != nil {
		readErr = fmt.Errorf("%s: %w", path, readErr)
		if a == nil { // not a capture at all: nothing was read
			return readErr
		}
	}
	err = replayReport(w, path, a, opts, list, ladder, drive, svg, readErr)
	if err == nil {
		err = readErr // the report covers what could be read; the damage is still an error
	}
	if err == nil {
		err = w.err
	}
	return err
}

// replayReport writes what replay found in the capture: the report, or
// with --drive the replay's; and the SVG. A file damaged part way
// (readErr) is reported as far as it was read, and in JSON the error is in
// the document, which stays whole.
func replayReport(w *errWriter, path string, a *capture.Analysis, opts *replayOptions, list *packetList,
	ladder *streamLadder, drive *driveCollector, svg *outputFile, readErr error) error {
	var err error
	switch {
	case opts.stream >= len(a.TCP):
		err = fmt.Errorf("--stream %d: %s has %s", opts.stream, path, streamRange(len(a.TCP)))
	case opts.stream < 0 && (svg != nil || drive != nil) && len(a.TCP) != 1:
		flag := "--svg"
		if drive != nil {
			flag = "--drive"
		}
		err = fmt.Errorf("%s: %s has %s: choose one with --stream", flag, path, streamRange(len(a.TCP)))
	}
	if err != nil {
		list.abandon(err)
		return err
	}
	stream := max(opts.stream, 0)
	if svg != nil {
		if err := ladder.write(svg, a.TCP[stream]); err != nil {
			return err
		}
	}
	if drive != nil {
		d, err := capture.DriveConnectionWith(drive.segs, opts.drive.v == "server", opts.profile.config())
		if err != nil {
			return fmt.Errorf("--drive: stream %d: %w", stream, err)
		}
		return writeDrive(w, path, stream, a.TCP[stream], d, opts.output.v == "json")
	}
	if opts.output.v == "json" {
		if opts.stream >= 0 {
			a.TCP, a.UDP = a.TCP[stream:stream+1], nil
		}
		return writeReplayJSON(w, path, a, list, readErr)
	}
	return writeReplayText(w, path, a, opts.stream)
}

// errWriter keeps the first write error, so that output to a full disk or
// a closed pipe fails the command.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// streamRange says which streams a capture has: "no TCP connection", "1
// TCP connection (stream 0)", "5 TCP connections (streams 0-4)".
func streamRange(n int) string {
	switch n {
	case 0:
		return "no TCP connection"
	case 1:
		return "1 TCP connection (stream 0)"
	}
	return fmt.Sprintf("%d TCP connections (streams 0-%d)", n, n-1)
}

// writeReplayText writes the report: the counts of the whole capture,
// then each connection and flow, or with stream ≥ 0 that connection only.
func writeReplayText(w io.Writer, path string, a *capture.Analysis, stream int) error {
	fmt.Fprintf(w, "%s: %s, %s, %s", path, count(a.Packets, "packet"), count(len(a.TCP), "TCP connection"),
		count(len(a.UDP), "UDP flow"))
	if a.Problems > 0 {
		fmt.Fprintf(w, ", %s not decoded", count(a.Problems, "packet"))
	}
	if a.Fragments > 0 {
		fmt.Fprintf(w, ", %s (not reassembled)", count(a.Fragments, "IP fragment"))
	}
	fmt.Fprintln(w)
	for i, err := range a.Undecoded {
		if i == maxShown {
			fmt.Fprintf(w, "  ... and %d more (-o json lists up to %d)\n", a.Problems-maxShown, capture.MaxUndecoded)
			break
		}
		fmt.Fprintf(w, "  %v\n", err)
	}
	if stream >= 0 {
		a.TCP, a.UDP = a.TCP[stream:stream+1], nil
	}
	if len(a.TCP) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "stream\tclient\tserver\tfirst\tlast\tpackets c>s\tpackets s>c\tbytes c>s\tbytes s>c\thandshake\tend\tstates c/s\tanalysis")
		for _, c := range a.TCP {
			client, server := c.States()
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%s\n", c.Stream, c.Client, c.Server, tallyCells(c.Tally),
				handshake(c), ending(c), client, server, anomalies(c.Anomalies))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(a.UDP) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "udp stream\tclient\tserver\tfirst\tlast\tpackets c>s\tpackets s>c\tbytes c>s\tbytes s>c")
		for _, f := range a.UDP {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", f.Stream, f.Client, f.Server, tallyCells(f.Tally))
		}
		return tw.Flush()
	}
	return nil
}

// synOptions names the options of a SYN, if seen:
// "mss 1460,sackOK,TS,wscale 7".
func synOptions(seen bool, o tcpstate.Options) *string {
	if !seen {
		return nil
	}
	s := o.Offers()
	return &s
}

// initialRTT is the conversation's initial RTT in seconds, if the
// capture holds the SYN and the ACK of the SYN-ACK.
func initialRTT(c *capture.Conversation) *float64 {
	if !c.SYN || !c.HandshakeACK {
		return nil
	}
	v := c.InitialRTT.Seconds()
	return &v
}

// tallyCells are the table cells of t: first, last, packets and bytes
// each way.
func tallyCells(t capture.Tally) string {
	return fmt.Sprintf("%.6f\t%.6f\t%d\t%d\t%d\t%d", t.First.Seconds(), t.Last.Seconds(),
		t.Packets[0], t.Packets[1], t.Bytes[0], t.Bytes[1])
}

// maxShown is how many undecoded packets the text report lists.
const maxShown = 10

// count is "1 packet" or "2 packets".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// handshake shows which of SYN, SYN-ACK and ACK the capture holds.
func handshake(c *capture.Conversation) string {
	if c.MidStream {
		return "mid-stream"
	}
	s := ""
	for _, p := range []struct {
		seen bool
		name string
	}{{c.SYN, "S"}, {c.SYNACK, "S."}, {c.HandshakeACK, "."}} {
		if s != "" {
			s += " "
		}
		if p.seen {
			s += p.name
		} else {
			s += "-"
		}
	}
	return s
}

// anomalies lists the non-zero counts of Wireshark's sequence-analysis
// flags, "retx 5, fast 1, dup-ack 13", or "-".
func anomalies(n capture.AnomalyCounts) string {
	var parts []string
	for _, p := range []struct {
		n    int
		name string
	}{{n.Retransmissions, "retx"}, {n.FastRetransmissions, "fast"}, {n.SpuriousRetransmissions, "spurious"},
		{n.DupACKs, "dup-ack"}, {n.OutOfOrder, "ooo"}, {n.ZeroWindows, "zero-win"}, {n.WindowFull, "win-full"},
		{n.KeepAlives, "keep-alive"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", p.name, p.n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func ending(c *capture.Conversation) string {
	if c.End == capture.EndRST {
		return "RST from " + rstFrom(c)
	}
	return string(c.End)
}

func rstFrom(c *capture.Conversation) string {
	switch {
	case c.End != capture.EndRST:
		return ""
	case c.RSTFromServer:
		return "server"
	}
	return "client"
}

// replayTally is a capture.Tally in -o json.
type replayTally struct {
	First      float64 `json:"first"`
	Last       float64 `json:"last"`
	PacketsC2S int     `json:"packets_c2s"`
	PacketsS2C int     `json:"packets_s2c"`
	BytesC2S   int64   `json:"bytes_c2s"`
	BytesS2C   int64   `json:"bytes_s2c"`
}

func jsonTally(t capture.Tally) replayTally {
	return replayTally{First: t.First.Seconds(), Last: t.Last.Seconds(),
		PacketsC2S: t.Packets[0], PacketsS2C: t.Packets[1], BytesC2S: t.Bytes[0], BytesS2C: t.Bytes[1]}
}

// replayConn is a TCP conversation in -o json.
type replayConn struct {
	Stream    int    `json:"stream"`
	Client    string `json:"client"`
	Server    string `json:"server"`
	MidStream bool   `json:"mid_stream"`
	replayTally
	SYN           bool     `json:"syn"`
	SYNACK        bool     `json:"synack"`
	HandshakeACK  bool     `json:"handshake_ack"`
	ClientISN     *uint32  `json:"client_isn"`
	ServerISN     *uint32  `json:"server_isn"`
	ClientOptions *string  `json:"client_options"`
	ServerOptions *string  `json:"server_options"`
	InitialRTT    *float64 `json:"initial_rtt"`
	// Packets flagged by Wireshark's sequence analysis, each flag
	// counted as tshark counts it.
	Retransmissions         int    `json:"retransmissions"`
	FastRetransmissions     int    `json:"fast_retransmissions"`
	SpuriousRetransmissions int    `json:"spurious_retransmissions"`
	DupACKs                 int    `json:"dup_acks"`
	OutOfOrder              int    `json:"out_of_order"`
	ZeroWindows             int    `json:"zero_windows"`
	WindowFull              int    `json:"window_full"`
	KeepAlives              int    `json:"keep_alives"`
	End                     string `json:"end"`
	RSTFrom                 string `json:"rst_from"`
	ClientState             string `json:"client_state"`
	ServerState             string `json:"server_state"`
}

// replayFlow is a UDP flow in -o json.
type replayFlow struct {
	Stream int    `json:"stream"`
	Client string `json:"client"`
	Server string `json:"server"`
	replayTally
}

// writeReplayJSON writes the JSON document, or with --packets completes
// the one the list began.
func writeReplayJSON(w io.Writer, path string, a *capture.Analysis, list *packetList, readErr error) error {
	doc := struct {
		File      string           `json:"file,omitempty"`
		Segments  *[]replaySegment `json:"segments,omitempty"`
		Error     string           `json:"error,omitempty"` // the file is damaged after what was read`
		Packets   int              `json:"packets"`
		Problems  int              `json:"problems"`
		Undecoded []string         `json:"undecoded"`
		Fragments int              `json:"fragments"`
		TCP       []replayConn     `json:"tcp"`
		UDP       []replayFlow     `json:"udp"`
	}{File: path, Packets: a.Packets, Problems: a.Problems, Fragments: a.Fragments,
		Undecoded: []string{}, TCP: []replayConn{}, UDP: []replayFlow{}}
	if list != nil && list.n == 0 {
		doc.Segments = &[]replaySegment{}
	}
	if readErr != nil {
		doc.Error = readErr.Error()
	}
	for _, err := range a.Undecoded {
		doc.Undecoded = append(doc.Undecoded, err.Error())
	}
	isn := func(seen bool, v uint32) *uint32 {
		if !seen {
			return nil
		}
		return &v
	}
	for _, c := range a.TCP {
		client, server := c.States()
		doc.TCP = append(doc.TCP, replayConn{
			Stream: c.Stream, Client: c.Client.String(), Server: c.Server.String(), MidStream: c.MidStream,
			replayTally: jsonTally(c.Tally),
			SYN:         c.SYN, SYNACK: c.SYNACK, HandshakeACK: c.HandshakeACK,
			ClientISN: isn(c.SYN, uint32(c.ClientISN)), ServerISN: isn(c.SYNACK, uint32(c.ServerISN)),
			ClientOptions: synOptions(c.SYN, c.ClientOptions), ServerOptions: synOptions(c.SYNACK, c.ServerOptions),
			InitialRTT:      initialRTT(c),
			Retransmissions: c.Anomalies.Retransmissions, FastRetransmissions: c.Anomalies.FastRetransmissions,
			SpuriousRetransmissions: c.Anomalies.SpuriousRetransmissions, DupACKs: c.Anomalies.DupACKs,
			OutOfOrder: c.Anomalies.OutOfOrder, ZeroWindows: c.Anomalies.ZeroWindows,
			WindowFull: c.Anomalies.WindowFull, KeepAlives: c.Anomalies.KeepAlives,
			End: string(c.End), RSTFrom: rstFrom(c),
			ClientState: client.String(), ServerState: server.String(),
		})
	}
	for _, f := range a.UDP {
		doc.UDP = append(doc.UDP, replayFlow{
			Stream: f.Stream, Client: f.Client.String(), Server: f.Server.String(),
			replayTally: jsonTally(f.Tally),
		})
	}
	if list == nil || list.n == 0 {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	// The list wrote the document's start, "file" and the segments: the
	// rest follows, without the opening brace.
	doc.File = ""
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "\n  ],\n%s\n", bytes.TrimPrefix(b, []byte("{\n")))
	return err
}
