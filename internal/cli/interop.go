package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcpsim/tcpsim/internal/kernelnet"
	"github.com/tcpsim/tcpsim/internal/ladder"
	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// interopOptions are the flags of tcpsim interop.
type interopOptions struct {
	profile formatFlag
	loss    percentFlag
	delay   delayFlag
	jitter  delayFlag
	seed    uint64
	count   int
	verbose bool
}

func newInteropCommand() *cobra.Command {
	opts := interopOptions{profile: profileFlag("rfc")}
	cmd := &cobra.Command{
		Use:   "interop",
		Short: "Run tcpsim's TCP against the Linux kernel's, over a TUN device",
		Long: `Make a private network namespace with a TUN device in it (198.18.0.1 the
kernel, 198.18.0.2 tcpsim), and run each scenario twice: tcpsim connecting to
a kernel socket, and a kernel socket connecting to tcpsim. The scenarios: the
handshake, a few bytes each way, 4 MB each way checked by SHA-256, a close
from either side first, a simultaneous close, an abort from either side, and a
refused connection. One line per scenario says whether it passed; -v adds the
segments of a failed one as a ladder diagram.

--loss, --delay and --jitter impair the link both ways (the driver does it:
this kernel has no netem), drawn from --seed.

Needs Linux, root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) and /dev/net/tun;
nothing outside the namespace is touched, and it is gone when the command
ends.`,
		Example: `  sudo tcpsim interop
  sudo tcpsim interop --loss 1% --delay 2ms --jitter 1ms --seed 7 -v
  sudo tcpsim interop --profile linux
  sudo tcpsim interop --count 100`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.count < 1 {
				return errors.New("--count must be at least 1")
			}
			if opts.jitter > opts.delay {
				return errors.New("--jitter must not exceed --delay")
			}
			if err := kernelnet.Available(); err != nil {
				return err // it cannot run here: exit status 2, as for a usage error
			}
			return failed(runInterop(cmd.OutOrStdout(), &opts))
		},
	}
	f := cmd.Flags()
	f.Var(&opts.profile, "profile", "tcpsim's `profile`: rfc (the plain RFC defaults) or linux (what Linux shows on the wire)")
	f.Var(&opts.loss, "loss", "probability that the link loses a packet, each way, e.g. 1%")
	f.Var(&opts.delay, "delay", "one-way delay the link adds, e.g. 2ms")
	f.Var(&opts.jitter, "jitter", "the delay varies within ±jitter, so packets may overtake, e.g. 1ms")
	f.Uint64Var(&opts.seed, "seed", 1, "seed of the loss and jitter")
	f.IntVar(&opts.count, "count", 1, "run every scenario this many times")
	f.BoolVarP(&opts.verbose, "verbose", "v", false, "show the segments of a failed scenario as a ladder diagram")
	return cmd
}

// impairments are what the flags ask of the link (percentFlag holds a
// fraction already).
func (o *interopOptions) impairments() kernelnet.Impairments {
	return kernelnet.Impairments{Loss: float64(o.loss), Delay: time.Duration(o.delay),
		Jitter: time.Duration(o.jitter), Seed: o.seed}
}

func runInterop(w io.Writer, opts *interopOptions) error {
	runs := 0
	tcp := opts.profile.config()
	failures, err := kernelnet.RunInterop(kernelnet.Options{Impairments: opts.impairments(), TCP: &tcp}, opts.count, func(r kernelnet.Result) {
		runs++
		verdict, why := "pass", ""
		if r.Err != nil {
			verdict, why = "FAIL", ": "+r.Err.Error()
		}
		fmt.Fprintf(w, "%s  %-26s %-17s %8.3f s%s\n", verdict, r.Scenario, r.Direction(), r.Took.Seconds(), why)
		if r.Err != nil && opts.verbose {
			traceLadder(r.Trace).WriteText(w, ladder.TextOptions{})
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d of %d passed\n", runs-failures, runs)
	if failures > 0 {
		return fmt.Errorf("interop: %d of %d scenarios failed", failures, runs)
	}
	return nil
}

// traceLadder draws the segments of a scenario as the tcpsim endpoint saw
// the link, tcpsim on the left, with sequence numbers relative to each
// side's SYN; a segment the link lost ends in an X.
func traceLadder(trace []kernelnet.TraceSegment) ladder.Diagram {
	d := ladder.Diagram{Left: "tcpsim " + kernelnet.TcpsimAddr.String(), Right: "kernel " + kernelnet.KernelAddr.String()}
	var isn [2]seqnum.Value
	for _, t := range trace {
		side := 1
		if t.FromTcpsim {
			side = 0
		}
		if t.Seg.Flags&tcpstate.SYN != 0 {
			isn[side] = t.Seg.Seq
		}
		label := ladder.SegmentLabel(t.Seg.Flags.String(), uint32(isn[side].Size(t.Seg.Seq)),
			uint32(isn[1-side].Size(t.Seg.Ack)), t.Seg.Flags&tcpstate.ACK != 0, uint32(t.Seg.Window), t.Len)
		seg := ladder.Segment{From: ladder.Side(side), Sent: t.At, Arrived: t.At, Label: label, Dropped: t.Lost}
		if t.Lost {
			seg.Reason = "loss"
		}
		d.Events = append(d.Events, seg)
	}
	return d
}
