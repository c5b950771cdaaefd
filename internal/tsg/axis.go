package tsg

import (
	"math"
	"strconv"
)

// axis maps data values in [0, max] onto pixels [lo, hi] (hi may be less
// than lo: the y axis grows upwards while the SVG's grows down).
type axis struct {
	max    float64 // upper end, a whole number of steps
	step   float64 // between two labelled ticks
	lo, hi float64 // pixels of 0 and max
}

// newAxis fits an axis with about n ticks to data from 0 to top.
func newAxis(top float64, n int, lo, hi float64) axis {
	if !(top > 0) || math.IsInf(top, 0) {
		top = 1
	}
	step := niceStep(top / float64(n))
	return axis{max: math.Ceil(top/step-1e-9) * step, step: step, lo: lo, hi: hi}
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten, the steps a
// reader divides in their head.
func niceStep(raw float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch norm := raw / mag; {
	case norm <= 1:
		return mag
	case norm <= 2:
		return 2 * mag
	case norm <= 5:
		return 5 * mag
	}
	return 10 * mag
}

// px is the pixel of value v.
func (a axis) px(v float64) float64 { return a.lo + (a.hi-a.lo)*v/a.max }

// ticks are the values of the labelled ticks, 0 and max included.
func (a axis) ticks() []float64 {
	n := int(math.Round(a.max / a.step))
	t := make([]float64, n+1)
	for i := range t {
		t[i] = float64(i) * a.step
	}
	return t
}

// label formats tick value v divided by unit with as many decimals as the
// step needs, so that 0.2, 0.4... do not print as 0.20000000000000001.
func (a axis) label(v, unit float64) string {
	dec := max(0, -int(math.Floor(math.Log10(a.step/unit)+1e-9)))
	return strconv.FormatFloat(v/unit, 'f', dec, 64)
}

// byteUnit picks the unit the sequence and window axes are labelled in.
func byteUnit(top float64) (float64, string) {
	switch {
	case top >= 1e6:
		return 1e6, "MB"
	case top >= 1e4:
		return 1e3, "kB"
	}
	return 1, "bytes"
}

// num formats a pixel coordinate.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
