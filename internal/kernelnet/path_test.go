package kernelnet

import (
	"testing"
	"time"
)

// Stopping a path drops the packets it is delaying at once, rather than
// waiting for their delay to pass, and none of them is handed on.
func TestPathStopDropsDelayed(t *testing.T) {
	handed := make(chan []byte, 10)
	p := newPath(Impairments{Delay: time.Hour})
	for range 5 {
		p.carry(toKernel, []byte{1}, func(pkt []byte) { handed <- pkt })
	}
	done := make(chan struct{})
	go func() { p.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for the delayed packets")
	}
	p.carry(toKernel, []byte{2}, func(pkt []byte) { handed <- pkt }) // after stop: dropped
	select {
	case pkt := <-handed:
		t.Fatalf("packet %v handed on after stop", pkt)
	default:
	}
}

// Each way draws its losses from its own generator: for a seed, the nth
// packet one way meets the same fate however the packets of the two ways
// interleave.
func TestPathLossPerWay(t *testing.T) {
	fates := func(interleave bool) []bool {
		p := newPath(Impairments{Loss: 0.5, Seed: 9})
		var got []bool
		for range 200 {
			if interleave {
				p.lose(fromKernel)
			}
			got = append(got, p.lose(toKernel))
		}
		return got
	}
	a, b := fates(false), fates(true)
	lost := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("packet %d: lost %v alone, %v with the other way's packets between", i, a[i], b[i])
		}
		if a[i] {
			lost++
		}
	}
	if lost < 60 || lost > 140 {
		t.Errorf("%d of 200 lost at a loss of 50%%", lost)
	}
	if newPath(Impairments{}).lose(toKernel) || !newPath(Impairments{Loss: 1}).lose(fromKernel) {
		t.Error("a loss of 0 lost a packet, or a loss of 1 kept one")
	}
}
