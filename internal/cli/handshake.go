package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tcpsim/tcpsim/capture"
	"github.com/tcpsim/tcpsim/internal/ladder"
	"github.com/tcpsim/tcpsim/internal/lesson"
	"github.com/tcpsim/tcpsim/sim"
)

// lessonOptions are the flags every lesson command shares.
type lessonOptions struct {
	isnClient, isnServer isnFlag
	seed                 uint64
	delay                delayFlag
	mss                  mssFlag
	output               formatFlag
	vars, step, ascii    bool
	svg                  string
	pcap, pcapng         string
	linkType             formatFlag

	// Link impairments, in netem's vocabulary (tc-netem(8)).
	loss, reorder, dup, corrupt percentFlag
	jitter                      jitterFlag
	rate                        rateFlag
	queue                       countFlag
	drop                        dropsFlag
}

func defaultLessonOptions() lessonOptions {
	return lessonOptions{
		seed:     1,
		delay:    delayFlag(50 * time.Millisecond),
		mss:      1460,
		output:   formatFlag{v: "text", allowed: []string{"text", "json"}},
		linkType: formatFlag{v: "ethernet", allowed: []string{"ethernet", "raw"}},
		queue:    countFlag{min: 1},
	}
}

// addFlags registers the flags; tcp adds those that only mean something
// for TCP (ISNs, MSS, the TCB variables).
func (opts *lessonOptions) addFlags(f *pflag.FlagSet, tcp bool) {
	if tcp {
		f.Var(&opts.isnClient, "isn-client", "the client's initial sequence number (default: drawn from the seed)")
		f.Var(&opts.isnServer, "isn-server", "the server's initial sequence number (default: drawn from the seed)")
		f.Var(&opts.mss, "mss", "MSS both hosts announce in their SYNs (1 to 65535)")
		f.BoolVar(&opts.vars, "vars", false, "print each host's SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND after every line")
	}
	f.Uint64Var(&opts.seed, "seed", opts.seed, "seed of the simulation's random generator")
	f.VarP(&opts.output, "output", "o", "output format: text or json (JSON Lines)")
	f.BoolVar(&opts.step, "step", false, "show one line at a time: Enter for the next, q to quit (needs a terminal)")
	f.BoolVar(&opts.ascii, "ascii", false, "draw the ladder diagram with plain ASCII characters")
	f.StringVar(&opts.svg, "svg", "", "also write the ladder diagram to this SVG `file`")
	f.StringVar(&opts.pcap, "pcap", "", "also write the segments sent to this pcap `file`")
	f.StringVar(&opts.pcapng, "pcapng", "", "also write the segments sent to this pcapng `file`, each with a comment saying what became of it")
	f.Var(&opts.linkType, "link-type", "link type of the captures: ethernet or raw (raw IP)")
	opts.addLinkFlags(f)
}

// addLinkFlags registers the flags that describe the link: its delay and
// its impairments.
func (opts *lessonOptions) addLinkFlags(f *pflag.FlagSet) {
	f.Var(&opts.delay, "delay", "one-way delay of the link, both ways (0 to 1h)")
	f.Var(&opts.loss, "loss", "probability that the link loses a packet, e.g. 2% (netem loss)")
	f.Var(&opts.jitter, "jitter", "delay varies uniformly within ±jitter, e.g. 5ms; packets may overtake (netem delay ... jitter)")
	f.Var(&opts.reorder, "reorder", "probability that a packet skips the delay and overtakes others, e.g. 25%; needs --delay (netem reorder)")
	f.Var(&opts.dup, "dup", "probability that the link sends a packet twice, e.g. 1% (netem duplicate)")
	f.Var(&opts.corrupt, "corrupt", "probability that a bit is flipped; the receiver drops the packet on its checksum, e.g. 0.1% (netem corrupt)")
	f.Var(&opts.rate, "rate", "bandwidth of the link, e.g. 10Mbit or 512kbit (netem rate; tc units, bps = bytes/s)")
	f.Var(&opts.queue, "queue", "packets the link holds before it drops new ones, e.g. 100 (netem limit, tail drop)")
	f.Var(&opts.drop, "drop", "drop the Nth packet sent, counting from 1 (both directions, in the order sent); repeat or list: 3,5")
}

func newHandshakeCommand() *cobra.Command {
	opts := defaultLessonOptions()
	cmd := &cobra.Command{
		Use:   "handshake",
		Short: "Watch one TCP connection's whole life: handshake, data, close, TIME-WAIT",
		Long: `Run the default lesson in virtual time: client 198.18.0.1 connects to server
198.18.0.2, which listens on port 80 (three-way handshake); the client sends
"hello" and the server answers "hello back"; the client closes, the server
closes when it reads the end of the stream, and the client waits in TIME-WAIT
for 2×MSL (4 minutes of virtual time) until both hosts are CLOSED.

The text output reads like a ladder diagram: one line per segment with both
hosts' states after it, the application's calls, and the RFC 9293 rule behind
each state change. -o json writes one JSON object per event instead.

A run is fully determined by its flags: the same flags give the same output.`,
		Example: `  tcpsim handshake
  tcpsim handshake --isn-client 4294967290 --isn-server 1000   # fixed ISNs; the client's wraps past 2^32
  tcpsim handshake --delay 2s      # an RTT longer than the initial RTO: watch the SYN retransmitted
  tcpsim handshake -o json | jq -c 'select(.type == "state")'
  tcpsim handshake --vars          # SND.UNA, SND.NXT, SND.WND, RCV.NXT, RCV.WND after each line
  tcpsim handshake --step          # one line at a time, Enter to go on`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLesson(cmd, &opts, "tcpsim handshake", tcpLesson(lesson.ClientFirst))
		},
	}
	opts.addFlags(cmd.Flags(), true)
	return cmd
}

// path is the link the flags describe, the same in both directions; the
// packets to drop are numbered across both, in the order sent.
func (opts *lessonOptions) path() sim.Path {
	p := sim.Path{
		Delay:     time.Duration(opts.delay),
		Jitter:    time.Duration(opts.jitter),
		Loss:      float64(opts.loss),
		Reorder:   float64(opts.reorder),
		Duplicate: float64(opts.dup),
		Corrupt:   float64(opts.corrupt),
		Rate:      int64(opts.rate),
		Limit:     opts.queue.v,
	}
	for _, n := range opts.drop {
		p.Faults = append(p.Faults, sim.DropNthOfAll(uint64(n)))
	}
	return p
}

// createCaptures prepares the capture files asked for, before the run, so
// that an unwritable path is reported before any work is done.
func (opts *lessonOptions) createCaptures() ([]*capture.File, error) {
	link, err := capture.ParseLinkType(opts.linkType.v)
	if err != nil {
		return nil, err
	}
	var files []*capture.File
	for _, c := range []struct {
		flag, path string
		format     capture.Format
	}{{"--pcap", opts.pcap, capture.PCAP}, {"--pcapng", opts.pcapng, capture.PCAPNG}} {
		if c.path == "" {
			continue
		}
		f, err := capture.Create(c.path, c.format, link)
		if err != nil {
			return files, fmt.Errorf("%s: %w", c.flag, err)
		}
		files = append(files, f)
	}
	return files, nil
}

// lessonFunc runs a lesson and returns its two hosts, left and right; they
// are nil when the lesson could not start.
type lessonFunc func(cfg lesson.HandshakeConfig) (left, right *sim.Host, err error)

// tcpLesson is the TCP lesson ending with scenario sc.
func tcpLesson(sc lesson.Scenario) lessonFunc {
	return func(cfg lesson.HandshakeConfig) (*sim.Host, *sim.Host, error) {
		res, err := lesson.Run(cfg, sc)
		if res == nil {
			return nil, nil, err
		}
		return res.Client, res.Server, err
	}
}

// runLesson runs a lesson and writes its trace.
func runLesson(cmd *cobra.Command, opts *lessonOptions, command string, run lessonFunc) error {
	if opts.step {
		if opts.output.v != "text" {
			return errors.New("--step shows the text output: it does not go with -o " + opts.output.v)
		}
		if err := checkTerminal(cmd.InOrStdin(), cmd.OutOrStdout()); err != nil {
			return err
		}
	}
	if opts.reorder > 0 && opts.delay == 0 {
		// netem: the packets not reordered are the ones that wait the delay.
		return errors.New("--reorder needs a --delay for the other packets to wait")
	}
	var svg *outputFile
	if opts.svg != "" {
		var err error
		if svg, err = createOutput(opts.svg); err != nil {
			return fmt.Errorf("--svg: %w", err)
		}
		defer svg.discard()
	}
	captures, err := opts.createCaptures()
	for _, c := range captures {
		defer c.Discard()
	}
	if err != nil {
		return err
	}
	var rec recorder
	path := opts.path()
	left, right, lessonErr := run(lesson.HandshakeConfig{
		Seed:      opts.seed,
		Path:      &path,
		Delay:     time.Duration(opts.delay),
		MSS:       uint16(opts.mss),
		ClientISN: opts.isnClient.ptr(),
		ServerISN: opts.isnServer.ptr(),
		Trace:     rec.record,
	})
	if left == nil {
		return failed(lessonErr)
	}
	l := table{
		command: command,
		left:    left, right: right,
		delay: time.Duration(opts.delay), seed: opts.seed,
		vars: opts.vars, ascii: opts.ascii,
	}
	l.learnISNs(rec.events)
	out := cmd.OutOrStdout()
	switch {
	case opts.output.v == "json":
		err = writeJSONLines(out, rec.events)
	case opts.step:
		err = l.step(cmd.InOrStdin(), out, rec.events)
	default:
		err = l.write(out, rec.events)
		if err == nil {
			_, err = io.WriteString(out, "\nThe same run as a ladder diagram (time runs down, by event order rather than to scale):\n\n")
		}
		if err == nil {
			err = l.diagram(rec.events).WriteText(out, ladder.TextOptions{Width: 120, ASCII: opts.ascii})
		}
	}
	if err == nil && svg != nil {
		err = svg.commit(l.diagram(rec.events).WriteSVG)
	}
	for _, c := range captures {
		if err == nil {
			err = writeCapture(c, rec.events)
		}
	}
	if lessonErr != nil {
		return failed(lessonErr)
	}
	return failed(err)
}

// recorder keeps a copy of every trace event, with the bytes it refers
// to, which are only valid during the callback.
type recorder struct {
	events []sim.TraceEvent
}

func (r *recorder) record(e sim.TraceEvent) {
	e.Segment.Payload = bytes.Clone(e.Segment.Payload)
	e.Datagram.Payload = bytes.Clone(e.Datagram.Payload)
	e.ICMP.Original.Payload = bytes.Clone(e.ICMP.Original.Payload)
	e.Data = bytes.Clone(e.Data)
	r.events = append(r.events, e)
}
