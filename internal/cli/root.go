// Package cli holds tcpsim's commands. Each is built by a function, writes
// to its command's configured output and returns its errors, so that
// tests run the commands in-process.
package cli

import "github.com/spf13/cobra"

// NewRootCommand returns the tcpsim command with all its subcommands.
func NewRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "tcpsim",
		Short: "Learn, test and analyse TCP and UDP at the segment level",
		Long: `tcpsim runs TCP connections in a simulated network, in virtual time, and shows
every segment, state change and application call, so that the protocol can be
read as it happens.`,
		Example: `  tcpsim handshake              # a connection's whole life, as a ladder diagram
  tcpsim handshake -o json      # the same as JSON Lines, one event per line
  tcpsim close --scenario simultaneous   # both ends close at once: FINs cross
  tcpsim version`,
		// Errors are printed once, on one line, by Execute.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newHandshakeCommand(), newCloseCommand(), newUDPCommand(), newTransferCommand(), newReplayCommand(), newInteropCommand(), newTwinCommand(), newVersionCommand())

	// Cobra's own help and completion commands, made now rather than at
	// Execute so that they get examples too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			c.Example = "  tcpsim help handshake"
		case "completion":
			c.Example = `  source <(tcpsim completion bash)      # in this shell
  tcpsim completion zsh > "${fpath[1]}/_tcpsim"`
			for _, sh := range c.Commands() {
				sh.Example = completionExamples[sh.Name()]
			}
		}
	}
	return root
}

// completionExamples load each shell's completion into the running shell.
var completionExamples = map[string]string{
	"bash":       "  source <(tcpsim completion bash)",
	"zsh":        "  source <(tcpsim completion zsh)",
	"fish":       "  tcpsim completion fish | source",
	"powershell": "  tcpsim completion powershell | Out-String | Invoke-Expression",
}
