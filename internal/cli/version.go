package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print tcpsim's version",
		Long:    `Print the version of the tcpsim module this binary was built from ("devel" for a build from a source tree), and the Go version.`,
		Example: "  tcpsim version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "tcpsim %s %s\n", moduleVersion(), runtime.Version())
			return failed(err)
		},
	}
}

// moduleVersion is the main module's version as the build recorded it.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "devel"
	}
	return bi.Main.Version
}
