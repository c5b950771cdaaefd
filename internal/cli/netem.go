package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Flag values for link impairments, written as tc-netem(8) writes them.

// percentFlag is a probability written as a percentage, "2%" or "0.1%"
// (the % may be left out), from 0 to 100 %.
type percentFlag float64

func (f *percentFlag) String() string {
	return strconv.FormatFloat(float64(*f)*100, 'g', -1, 64) + "%"
}

func (f *percentFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	switch {
	case err != nil || math.IsNaN(v):
		return errors.New("must be a percentage such as 2% or 0.1%")
	case v < 0 || v > 100:
		return errors.New("must be between 0% and 100%")
	}
	*f = percentFlag(v / 100)
	return nil
}

func (f *percentFlag) Type() string { return "percent" }

// rateFlag is a bandwidth in bits per second, with tc's units: bit, kbit,
// mbit, gbit, tbit (powers of 1000) for bits, and bps, kbps, mbps, gbps,
// tbps for bytes per second. A bare number is bits per second.
type rateFlag float64

var rateUnits = []struct {
	suffix string
	scale  float64
}{
	// Longest suffixes first, so that "kbps" is not read as "...bps".
	{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3},
	{"tbps", 8e12}, {"gbps", 8e9}, {"mbps", 8e6}, {"kbps", 8e3},
	{"bit", 1}, {"bps", 8},
}

// String writes the rate in tc's way: in the largest unit of which it is
// at least one, "10Mbit" rather than 1e+07 bits.
func (f *rateFlag) String() string {
	if *f == 0 {
		return "unlimited"
	}
	v := float64(*f)
	for _, u := range []struct {
		name  string
		scale float64
	}{{"Tbit", 1e12}, {"Gbit", 1e9}, {"Mbit", 1e6}, {"kbit", 1e3}} {
		if v >= u.scale {
			return strconv.FormatFloat(v/u.scale, 'f', -1, 64) + u.name
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + "bit"
}

func (f *rateFlag) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	scale := 1.0
	for _, u := range rateUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, scale = strings.TrimSuffix(t, u.suffix), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return errors.New("must be a rate such as 10Mbit, 512kbit or 1Gbit")
	case v <= 0:
		return errors.New("must be more than 0")
	}
	*f = rateFlag(v * scale)
	return nil
}

func (f *rateFlag) Type() string { return "rate" }

// countFlag is a whole number from min up.
type countFlag struct {
	v   int
	min int
}

func (f *countFlag) String() string { return strconv.Itoa(f.v) }

func (f *countFlag) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < f.min {
		return fmt.Errorf("must be a whole number from %d up", f.min)
	}
	f.v = n
	return nil
}

func (f *countFlag) Type() string { return "int" }

// dropsFlag lists segments to drop by their number in the order sent,
// counting from 1; it may be repeated or given as a list: --drop 3,5.
type dropsFlag []int

func (f *dropsFlag) String() string {
	parts := make([]string, len(*f))
	for i, n := range *f {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (f *dropsFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return errors.New("must be segment numbers counting from 1, such as 3 or 3,5")
		}
		*f = append(*f, n)
	}
	return nil
}

func (f *dropsFlag) Type() string { return "N[,N...]" }

// jitterFlag is a non-negative duration, at most maxDelay.
type jitterFlag time.Duration

func (f *jitterFlag) String() string { return time.Duration(*f).String() }

func (f *jitterFlag) Set(s string) error {
	var d delayFlag
	if err := d.Set(s); err != nil {
		return err
	}
	*f = jitterFlag(d)
	return nil
}

func (f *jitterFlag) Type() string { return "duration" }
