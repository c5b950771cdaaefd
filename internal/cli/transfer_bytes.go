package cli

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tcpsim/tcpsim/internal/lesson"
)

// bytesFlag is a transfer size: a number of bytes with an optional unit,
// SI (kB or KB = 10^3, MB = 10^6, GB = 10^9) or IEC (KiB = 2^10, MiB =
// 2^20, GiB = 2^30), e.g. 10MB, 1.5MiB, 64KB or 1000. The result must be
// a whole number of bytes, from 1 to lesson.MaxTransferBytes.
type bytesFlag int64

var byteUnits = []struct {
	suffix string
	scale  float64
}{
	// Longest suffixes first, so that "kib" is not read as "...b".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"b", 1},
}

func (f *bytesFlag) String() string { return strconv.FormatInt(int64(*f), 10) }

func (f *bytesFlag) Set(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	scale := 1.0
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, scale = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.scale
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t, "xXpP_") {
		return errors.New("must be a size such as 10MB, 1.5MiB, 64KB or 1000")
	}
	n := v * scale
	switch {
	case n < 1:
		return errors.New("must be at least 1 byte")
	case n > lesson.MaxTransferBytes:
		return fmt.Errorf("must be at most %d bytes (1GiB)", lesson.MaxTransferBytes)
	case n != math.Trunc(n):
		return errors.New("must be a whole number of bytes")
	}
	*f = bytesFlag(n)
	return nil
}

func (f *bytesFlag) Type() string { return "size" }
