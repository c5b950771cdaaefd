package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcpsim/tcpsim/internal/lesson"
)

// scenarioFlag names one of the lesson's endings.
type scenarioFlag lesson.Scenario

func (f *scenarioFlag) String() string { return string(*f) }

func (f *scenarioFlag) Set(s string) error {
	sc, err := lesson.ParseScenario(s)
	if err != nil {
		return fmt.Errorf("must be one of %s", scenarioNames())
	}
	*f = scenarioFlag(sc)
	return nil
}

func (f *scenarioFlag) Type() string { return "scenario" }

func scenarioNames() string {
	names := make([]string, len(lesson.Scenarios))
	for i, sc := range lesson.Scenarios {
		names[i] = string(sc)
	}
	return strings.Join(names, ", ")
}

func newCloseCommand() *cobra.Command {
	opts := defaultLessonOptions()
	scenario := scenarioFlag(lesson.ClientFirst)
	cmd := &cobra.Command{
		Use:   "close",
		Short: "Watch the ways a TCP connection ends: who closes first, both at once, half-close, abort",
		Long: `Run the lesson's connection (connect, "hello", "hello back") and end it one
of five ways (--scenario):

  client-first   the client closes first and waits in TIME-WAIT (the default)
  server-first   the server closes right after answering; it is the one in TIME-WAIT
  simultaneous   both close at the same instant: the FINs cross, both go through CLOSING
  half-close     the client closes right after its request; the server still answers
                 from CLOSE-WAIT, then closes (data keeps flowing after one side's FIN)
  abort          the client resets the connection (RST): no FIN exchange, no TIME-WAIT

The output is that of tcpsim handshake: a ladder with each host's state after
every segment and the RFC 9293 rule behind each change, or JSON Lines.`,
		Example: `  tcpsim close --scenario simultaneous
  tcpsim close --scenario half-close --delay 20ms
  tcpsim close --scenario abort -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLesson(cmd, &opts, "tcpsim close --scenario "+string(scenario), tcpLesson(lesson.Scenario(scenario)))
		},
	}
	cmd.Flags().Var(&scenario, "scenario", "how the connection ends: "+scenarioNames())
	opts.addFlags(cmd.Flags(), true)
	return cmd
}
