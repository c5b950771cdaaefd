package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcpsim/tcpsim/internal/kernelnet"
	"github.com/tcpsim/tcpsim/tcpstate"
)

func newTwinCommand() *cobra.Command {
	var all bool
	profile := profileFlag("linux")
	cmd := &cobra.Command{
		Use:   "twin [SCENARIO]",
		Short: "Play a socket script on the Linux kernel and in tcpsim, and compare the segments",
		Long: `Play one socket-level script (listen, connect, write, read, shutdown, close)
twice: on the Linux kernel's sockets, on the loopback of a private network
namespace (MTU 1500, no segmentation offload), recorded; and in tcpsim's
simulator, between two hosts of the chosen profile. The two traces are
normalized (sequence numbers relative to each ISN, timestamps as present or
not) and compared segment by segment, each direction on its own.

With a scenario, the two traces are printed side by side, each way, a "*"
marking the segments that differ. With --all, one line per scenario: its name
and how many segments differ; the exit status is 1 if any does.

Needs Linux and root, like interop.

Scenarios: ` + strings.Join(twinNames(), ", ") + `.`,
		Example: `  sudo tcpsim twin "3000 bytes"
  sudo tcpsim twin --all`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var scenarios []kernelnet.TwinScenario
			switch {
			case all && len(args) == 0:
				scenarios = kernelnet.TwinScenarios
			case !all && len(args) == 1:
				sc, ok := kernelnet.FindTwin(args[0])
				if !ok {
					return fmt.Errorf("no scenario %q: one of %s", args[0], strings.Join(twinNames(), ", "))
				}
				scenarios = []kernelnet.TwinScenario{sc}
			default:
				return errors.New("name one scenario, or --all")
			}
			if err := kernelnet.Available(); err != nil {
				return err // it cannot run here: exit status 2
			}
			return failed(runTwin(cmd.OutOrStdout(), scenarios, all, profile.config()))
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "run every scenario, one line each")
	cmd.Flags().Var(&profile, "profile", "tcpsim's profile: linux (what Linux shows on the wire) or rfc (the plain RFC defaults)")
	return cmd
}

func twinNames() []string {
	var names []string
	for _, sc := range kernelnet.TwinScenarios {
		names = append(names, fmt.Sprintf("%q", sc.Name))
	}
	return names
}

func runTwin(w io.Writer, scenarios []kernelnet.TwinScenario, summary bool, cfg tcpstate.Config) error {
	differing, failedRuns := 0, 0
	err := kernelnet.RunTwins(scenarios, cfg, func(r kernelnet.TwinResult, err error) {
		switch {
		case err != nil:
			failedRuns++
			fmt.Fprintf(w, "%-22s could not run: %v\n", r.Scenario, err)
		case summary:
			fmt.Fprintf(w, "%-22s %s\n", r.Scenario, count(len(r.Diffs), "difference"))
		default:
			writeTwinSides(w, r)
		}
		if err == nil && len(r.Diffs) > 0 {
			differing++
		}
	})
	switch {
	case err != nil:
		return err
	case failedRuns > 0:
		return fmt.Errorf("twin: %d of %d scenarios could not run", failedRuns, len(scenarios))
	case differing > 0:
		return fmt.Errorf("twin: %d of %d scenarios differ", differing, len(scenarios))
	}
	return nil
}

// writeTwinSides prints the two traces side by side, each way.
func writeTwinSides(w io.Writer, r kernelnet.TwinResult) {
	fmt.Fprintf(w, "%s: %s\n", r.Scenario, count(len(r.Diffs), "difference"))
	for _, fromServer := range []bool{false, true} {
		way := "client to server"
		if fromServer {
			way = "server to client"
		}
		fmt.Fprintf(w, "\n%s\n  %-62s %s\n", way, "Linux kernel", "tcpsim")
		for _, row := range r.Sides(fromServer) {
			fmt.Fprintf(w, "%1s %-62s %s\n", row[2], row[0], row[1])
		}
	}
}
