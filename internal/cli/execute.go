package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1 // the command ran and failed
	ExitUsage   = 2 // bad flags, arguments or command name
)

// Execute runs root and returns the process exit status. An error is
// printed to root's error output as a single line, "tcpsim: ...".
func Execute(root *cobra.Command) int {
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	msg, _, _ := strings.Cut(err.Error(), "\n") // cobra appends suggestions on later lines
	fmt.Fprintf(root.ErrOrStderr(), "tcpsim: %s\n", msg)
	var re *runtimeError
	if errors.As(err, &re) {
		return ExitFailure
	}
	return ExitUsage
}

// runtimeError marks an error that happened while a command ran, as
// opposed to the usage errors cobra and flag parsing return.
type runtimeError struct{ err error }

func (e *runtimeError) Error() string { return e.err.Error() }
func (e *runtimeError) Unwrap() error { return e.err }

// failed marks err, if any, as a runtime error.
func failed(err error) error {
	if err == nil {
		return nil
	}
	return &runtimeError{err}
}
