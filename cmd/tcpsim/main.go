// Command tcpsim learns, tests and analyses TCP and UDP at the segment
// level. See "tcpsim --help".
package main

import (
	"os"

	"github.com/tcpsim/tcpsim/internal/cli"
)

func main() {
	os.Exit(cli.Execute(cli.NewRootCommand()))
}
