package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
)

// Flag values that check their range when parsed, so that a bad value is
// reported by pflag as `invalid argument "0" for "--mss" flag: ...`.

// isnFlag is an optional initial sequence number.
type isnFlag struct {
	v   uint32
	set bool
}

func (f *isnFlag) String() string {
	if !f.set {
		return ""
	}
	return strconv.FormatUint(uint64(f.v), 10)
}

func (f *isnFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return errors.New("must be a decimal number from 0 to 4294967295")
	}
	f.v, f.set = uint32(n), true
	return nil
}

func (f *isnFlag) Type() string { return "uint32" }

// ptr returns the value, or nil when the flag was not given.
func (f *isnFlag) ptr() *uint32 {
	if !f.set {
		return nil
	}
	v := f.v
	return &v
}

// mssFlag is an MSS option value, 1 to 65535.
type mssFlag uint16

func (f *mssFlag) String() string { return strconv.Itoa(int(*f)) }

func (f *mssFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 || n > 65535 {
		return errors.New("must be a number from 1 to 65535")
	}
	*f = mssFlag(n)
	return nil
}

func (f *mssFlag) Type() string { return "bytes" }

// delayFlag is a one-way delay: a Go duration from 0 to maxDelay.
type delayFlag time.Duration

const maxDelay = time.Hour

func (f *delayFlag) String() string { return time.Duration(*f).String() }

func (f *delayFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return errors.New("must be a duration such as 50ms or 1.5s")
	case d < 0:
		return errors.New("must not be negative")
	case d > maxDelay:
		return fmt.Errorf("must be at most %v", maxDelay)
	}
	*f = delayFlag(d)
	return nil
}

func (f *delayFlag) Type() string { return "duration" }

// formatFlag is one of a fixed set of output formats.
type formatFlag struct {
	v       string
	allowed []string
}

func (f *formatFlag) String() string { return f.v }

func (f *formatFlag) Set(s string) error {
	if !slices.Contains(f.allowed, s) {
		return fmt.Errorf("must be %s", strings.Join(f.allowed, " or "))
	}
	f.v = s
	return nil
}

func (f *formatFlag) Type() string { return strings.Join(f.allowed, "|") }

// profileFlag is a --profile flag, rfc or linux, starting at def.
func profileFlag(def string) formatFlag {
	return formatFlag{v: def, allowed: []string{"rfc", "linux"}}
}

// config is the tcpstate configuration a --profile flag names: the plain
// RFC defaults, or what Linux shows on the wire.
func (f *formatFlag) config() tcpstate.Config {
	if f.v == "linux" {
		return tcpstate.LinuxConfig()
	}
	return tcpstate.DefaultConfig()
}
