package cli

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPercentFlag(t *testing.T) {
	for in, want := range map[string]float64{"2%": 0.02, "0.1%": 0.001, "100%": 1, "0": 0, " 25 % ": 0.25} {
		var f percentFlag
		if assert.NoError(t, f.Set(in), in) {
			assert.InDelta(t, want, float64(f), 1e-12, in)
		}
	}
	for _, in := range []string{"150%", "-1%", "abc", "", "NaN%", "2%%"} {
		var f percentFlag
		assert.Error(t, f.Set(in), in)
	}
	f := percentFlag(0.02)
	assert.Equal(t, "2%", f.String())
}

// tc(8): "bit" and "bps" differ by eight: bps is bytes per second.
func TestRateFlag(t *testing.T) {
	for in, want := range map[string]float64{
		"10Mbit": 10e6, "512kbit": 512e3, "1Gbit": 1e9, "1.5mbit": 1.5e6, "64000": 64000,
		"100bit": 100, "1mbps": 8e6, "10kbps": 80e3, "2bps": 16, "1tbit": 1e12,
	} {
		var f rateFlag
		if assert.NoError(t, f.Set(in), in) {
			assert.InDelta(t, want, float64(f), 1e-3, in)
		}
	}
	for _, in := range []string{"0", "0Mbit", "-5Mbit", "fast", "Mbit", "10Xbit", "Inf"} {
		var f rateFlag
		assert.Error(t, f.Set(in), in)
	}
	// Written back in the largest unit it fills, and read again the same.
	for in, want := range map[string]string{
		"10Mbit": "10Mbit", "512kbit": "512kbit", "1.5mbit": "1.5Mbit", "100bit": "100bit",
		"1mbps": "8Mbit", "1tbit": "1Tbit", "2500000": "2.5Mbit", "999": "999bit",
	} {
		var f, g rateFlag
		if assert.NoError(t, f.Set(in), in) {
			assert.Equal(t, want, f.String(), in)
			assert.NoError(t, g.Set(f.String()), in)
			assert.Equal(t, f, g, in)
		}
	}
}

func TestCountAndDropsFlags(t *testing.T) {
	q := countFlag{min: 1}
	assert.NoError(t, q.Set("100"))
	assert.Equal(t, 100, q.v)
	assert.Error(t, q.Set("0"))
	assert.Error(t, q.Set("x"))

	var d dropsFlag
	assert.NoError(t, d.Set("3"))
	assert.NoError(t, d.Set("5, 7"))
	assert.Equal(t, dropsFlag{3, 5, 7}, d)
	assert.Equal(t, "3,5,7", d.String())
	assert.Error(t, d.Set("0"))
	assert.Error(t, d.Set("2,,3"))

	var j jitterFlag
	assert.NoError(t, j.Set("5ms"))
	assert.Equal(t, 5*time.Millisecond, time.Duration(j))
	assert.Error(t, j.Set("-5ms"))
}
