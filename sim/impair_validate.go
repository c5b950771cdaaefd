package sim

import (
	"fmt"
	"math"
)

// Validate checks that every field of the path is in range and that the
// fields agree. Its error wraps ErrInvalid and names the field:
// "sim: invalid argument: path: Loss 1.5 is not a probability between 0
// and 1". AddLink runs it on both paths.
func (p *Path) Validate() error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("%w: path: %v", ErrInvalid, err)
	}
	return nil
}

// validate is Validate's check, its error naming the field first.
func (p *Path) validate() error {
	probs := [...]struct {
		name string
		v    float64
	}{
		{"Loss", p.Loss}, {"Reorder", p.Reorder}, {"Duplicate", p.Duplicate}, {"Corrupt", p.Corrupt},
		{"Burst.P", p.Burst.P}, {"Burst.R", p.Burst.R},
		{"Burst.LossBad", p.Burst.LossBad}, {"Burst.LossGood", p.Burst.LossGood},
	}
	for _, f := range probs {
		if math.IsNaN(f.v) || f.v < 0 || f.v > 1 {
			return fmt.Errorf("%s %v is not a probability between 0 and 1", f.name, f.v)
		}
	}
	switch {
	case p.Delay < 0:
		return fmt.Errorf("Delay %v is negative", p.Delay)
	case p.Jitter < 0:
		return fmt.Errorf("Jitter %v is negative", p.Jitter)
	case p.JitterDist > Normal:
		return fmt.Errorf("JitterDist %d is not Uniform or Normal", p.JitterDist)
	case p.Rate < 0:
		return fmt.Errorf("Rate %d bit/s is negative (0 means unlimited)", p.Rate)
	case p.Limit < 0:
		return fmt.Errorf("Limit %d is negative (0 means no limit)", p.Limit)
	case p.MTU < 0 || p.MTU > 0 && p.MTU < 68:
		// RFC 791: every internet module must forward a 68-byte datagram.
		return fmt.Errorf("MTU %d is below the IPv4 minimum of 68 (0 means no limit)", p.MTU)
	case p.Loss > 0 && p.Burst.enabled():
		return fmt.Errorf("Loss and Burst are both set: choose one loss model")
	case p.Burst.enabled() && p.Burst.P == 0:
		return fmt.Errorf("Burst.P is 0: the Gilbert-Elliott model would never leave the good state")
	case p.Reorder > 0 && p.Delay == 0:
		// netem: "reorder" needs a delay, the segments not reordered wait it.
		return fmt.Errorf("Reorder needs a Delay for the other segments to wait")
	case p.Reorder > 0 && p.InOrder:
		return fmt.Errorf("Reorder and InOrder are both set")
	}
	for i := range p.Faults {
		if err := p.Faults[i].validate(); err != nil {
			return fmt.Errorf("Faults[%d]: %v", i, err)
		}
	}
	return nil
}
