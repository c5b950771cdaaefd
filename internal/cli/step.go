package cli

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/tcpsim/tcpsim/sim"
)

// stepPrompt is shown between lines in --step mode.
const stepPrompt = "[Enter: next line, q: quit] "

// step shows the diagram one line at a time: after each line it waits for
// a line of input; "q" (or the end of the input) stops.
func (l *table) step(in io.Reader, out io.Writer, events []sim.TraceEvent) error {
	if _, err := io.WriteString(out, l.header(events)); err != nil {
		return err
	}
	rd := bufio.NewReader(in)
	rows := l.rows(events)
	for i, r := range rows {
		var b strings.Builder
		l.writeRow(&b, r)
		if _, err := io.WriteString(out, b.String()); err != nil {
			return err
		}
		if i == len(rows)-1 {
			break
		}
		if _, err := io.WriteString(out, stepPrompt); err != nil {
			return err
		}
		answer, err := rd.ReadString('\n')
		// Erase the prompt line (the terminal echoed the Enter).
		io.WriteString(out, "\x1b[1A\x1b[2K")
		if err != nil || strings.TrimSpace(answer) == "q" {
			return nil
		}
	}
	var b strings.Builder
	l.writeSummary(&b, events)
	_, err := io.WriteString(out, b.String())
	return err
}

// errNoTerminal: --step reads keys and redraws, so both ends must be a
// terminal.
var errNoTerminal = errors.New("--step needs a terminal: standard input or output is not one (run without --step, or in a terminal)")

// checkTerminal reports whether in and out are both terminals.
func checkTerminal(in io.Reader, out io.Writer) error {
	for _, f := range []any{in, out} {
		file, ok := f.(*os.File)
		if !ok || !term.IsTerminal(int(file.Fd())) {
			return errNoTerminal
		}
	}
	return nil
}
