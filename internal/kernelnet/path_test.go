package kernelnet

import (
	"testing"
	"time"
)

// Stopping a path drops the packets it is delaying at once, rather than
// waiting for their delay to pass, and none of them is handed on.
func TestPathStopDropsDelayed(t *testing.T) {
	handed := make(chan []byte, 10)
	p := newPath(Impairments{Delay: time.Hour}, func(pkt []byte) { handed <- pkt })
	for range 5 {
		p.fromTcpsim([]byte{1})
	}
	done := make(chan struct{})
	go func() { p.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for the delayed packets")
	}
	p.fromTcpsim([]byte{2}) // after stop: dropped
	select {
	case pkt := <-handed:
		t.Fatalf("packet %v handed on after stop", pkt)
	default:
	}
}

// Without a delay, packets go on at once; with loss 1, none does.
func TestPathLossAndPass(t *testing.T) {
	var got [][]byte
	p := newPath(Impairments{}, func(pkt []byte) { got = append(got, pkt) })
	p.fromTcpsim([]byte{1})
	p.fromKernel([]byte{2}, func(pkt []byte) { got = append(got, pkt) })
	if len(got) != 2 {
		t.Fatalf("handed on %v; want both packets", got)
	}
	lossy := newPath(Impairments{Loss: 1}, func(pkt []byte) { t.Fatalf("packet %v passed a link losing everything", pkt) })
	lossy.fromTcpsim([]byte{1})
}
