package cli

import (
	"github.com/spf13/cobra"

	"github.com/tcpsim/tcpsim/internal/lesson"
	"github.com/tcpsim/tcpsim/sim"
)

func newUDPCommand() *cobra.Command {
	opts := defaultLessonOptions()
	cmd := &cobra.Command{
		Use:   "udp",
		Short: "Watch the same request and answer over UDP: no handshake, no acknowledgment, no retransmission",
		Long: `Run the lesson's exchange over UDP (RFC 768): the client sends "hello" in one
datagram to the server's port 7, the server answers "hello back" to whoever
asked. Nothing opens or closes first, nothing is acknowledged, and nothing is
sent again: with --loss or --drop, a lost datagram is simply gone, where TCP
would have retransmitted it (compare tcpsim handshake with the same flags).

The output is that of tcpsim handshake: a table, a ladder diagram, or JSON
Lines where each datagram is an event of type "datagram".`,
		Example: `  tcpsim udp
  tcpsim udp --drop 1          # lose the request: no answer, nothing resent
  tcpsim udp -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLesson(cmd, &opts, "tcpsim udp", udpLesson)
		},
	}
	opts.addFlags(cmd.Flags(), false)
	return cmd
}

func udpLesson(cfg lesson.HandshakeConfig) (*sim.Host, *sim.Host, error) {
	res, err := lesson.UDP(cfg)
	if res == nil {
		return nil, nil, err
	}
	return res.Client, res.Server, err
}
