package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tcpsim/tcpsim/internal/lesson"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// transferOptions are tcpsim transfer's flags. The link's (delay and
// impairments) and the seed are the lessons' own.
type transferOptions struct {
	lesson lessonOptions
	bytes  bytesFlag
	output formatFlag
	svg    string
	cc     formatFlag // --cc newreno|cubic
	sack   formatFlag // --sack on|off
}

func newTransferCommand() *cobra.Command {
	opts := transferOptions{
		lesson: defaultLessonOptions(),
		bytes:  1_000_000,
		output: formatFlag{v: "text", allowed: []string{"text", "json"}},
		cc:     formatFlag{v: "newreno", allowed: tcpstate.CongestionControlNames()},
		sack:   formatFlag{v: "on", allowed: []string{"on", "off"}},
	}
	cmd := &cobra.Command{
		Use:   "transfer",
		Short: "Send bytes in bulk over a simulated link and measure the transfer",
		Long: `Run a bulk transfer in virtual time: client 198.18.0.1 connects to server
198.18.0.2 port 80, sends --bytes of pseudo-random data drawn from the seed and
closes; the server reads until the end of the stream and closes. Both hash the
bytes with SHA-256, and the transfer succeeds when the hashes match.

The summary gives the virtual time until the server had all the data, the
goodput (payload bits per virtual second over that time), the time until both
ends were CLOSED (the client's TIME-WAIT of 4 minutes included), and what the
sender saw: data segments, retransmissions, fast retransmissions (RFC 5681
§3.2), retransmission timeouts, duplicate ACKs (RFC 5681 §2) and the final
congestion window. The receiver holds data that arrives after a hole and
reports it in SACK blocks (--sack on, the default); the sender's congestion
control is NewReno or CUBIC (--cc). SACK blocks do not yet steer the
sender's retransmissions (RFC 6675 recovery is to come): it recovers with
NewReno's partial ACKs.

--svg draws a time–sequence graph (as tcptrace and Stevens draw them): each
data segment sent is a tick from its first to its last byte, retransmissions
in red, the cumulative ACK as a green step line and the right edge of the
receive window (ACK + window) in yellow; below it, cwnd and ssthresh over
time.

Sizes: 1000 is bytes; kB, MB, GB are powers of 1000, KiB, MiB, GiB powers of
1024. A run is fully determined by its flags.`,
		Example: `  tcpsim transfer --bytes 1MB --delay 50ms
  tcpsim transfer --bytes 200KB --delay 20ms --loss 2% --svg tsg.svg   # open tsg.svg in a browser
  tcpsim transfer --bytes 10MB --rate 10Mbit --queue 100
  tcpsim transfer --bytes 1MiB -o json | jq .goodput_bps
  tcpsim transfer --bytes 10MB --delay 20ms --loss 1% --cc cubic`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTransfer(cmd, &opts)
		},
	}
	f := cmd.Flags()
	f.Var(&opts.bytes, "bytes", "how much the client sends, e.g. 10MB, 1.5MiB, 64KB or 1000 (1 byte to 1GiB)")
	f.Uint64Var(&opts.lesson.seed, "seed", opts.lesson.seed, "seed of the simulation's random generator and of the data sent")
	f.VarP(&opts.output, "output", "o", "output format: text or json (one JSON document)")
	f.StringVar(&opts.svg, "svg", "", "also write the time–sequence graph to this SVG `file`")
	f.Var(&opts.cc, "cc", "congestion control of the sender: newreno (RFC 5681, RFC 6582) or cubic")
	f.Var(&opts.sack, "sack", "offer SACK (RFC 2018) on both hosts: on or off")
	opts.lesson.addLinkFlags(f)
	return cmd
}

// runTransfer runs the transfer and writes its summary and graph. Bad
// flags exit 2; a transfer that fails or delivers other bytes exits 1,
// after its summary.
func runTransfer(cmd *cobra.Command, opts *transferOptions) error {
	lo := &opts.lesson
	switch {
	case lo.loss >= 1:
		return errors.New("--loss 100% loses every packet: the transfer could never finish")
	case lo.reorder > 0 && lo.delay == 0:
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
	cfg := lesson.TransferConfig{Seed: lo.seed, Bytes: int64(opts.bytes), Path: lo.path(),
		CongestionControl: opts.cc.v, NoSACK: opts.sack.v == "off"}
	bar := newProgressBar(cmd.ErrOrStderr(), cfg.Bytes)
	if bar != nil {
		cfg.Progress = bar.update
	}
	res, runErr := lesson.Transfer(cfg)
	bar.clear() // before the summary, which may go to the same terminal
	if res == nil {
		return failed(runErr)
	}
	s := transferSummary{opts: opts, res: res}
	var err error
	if opts.output.v == "json" {
		err = s.writeJSON(cmd.OutOrStdout())
	} else {
		err = s.writeText(cmd.OutOrStdout())
	}
	if err == nil && svg != nil {
		g := s.graph()
		err = svg.commit(g.WriteSVG)
	}
	if runErr != nil {
		return failed(runErr)
	}
	return failed(err)
}
