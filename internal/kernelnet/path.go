package kernelnet

import (
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// Impairments are what the link between the kernel and tcpsim does to
// packets, both ways: this kernel has no netem, so the driver does it,
// between the TUN device and the endpoints. Loss and jitter draw from a
// generator seeded with Seed.
type Impairments struct {
	Loss float64 // probability that a packet is lost, 0 to 1
	// Delay is added to every packet. Each delayed packet is handed on by
	// its own timer, so packets delayed alike may still swap places by
	// microseconds.
	Delay  time.Duration
	Jitter time.Duration // the delay varies uniformly within ±Jitter: packets may overtake
	Seed   uint64
}

func (i Impairments) check() error {
	switch {
	case i.Loss < 0 || i.Loss > 1:
		return errors.New("kernelnet: loss must be between 0 and 1")
	case i.Delay < 0 || i.Jitter < 0:
		return errors.New("kernelnet: delay and jitter must not be negative")
	case i.Jitter > i.Delay:
		return errors.New("kernelnet: jitter must not exceed the delay")
	}
	return nil
}

// path applies the impairments to packets one way or the other: lose
// decides a packet's loss, carry its delay. Each way draws from its own
// generator, so that for a seed the nth packet each way meets the same
// fate whatever the goroutines' timing.
type path struct {
	imp Impairments

	mu      sync.Mutex
	rng     [2]*rand.Rand // by way
	stopped bool
	delayed map[*time.Timer]struct{} // the packets being delayed
	pending sync.WaitGroup           // one for each
}

// way is a packet's direction on the path.
type way int

const (
	toKernel   way = iota // from tcpsim
	fromKernel            // to tcpsim
)

func newPath(imp Impairments) *path {
	p := &path{imp: imp, delayed: make(map[*time.Timer]struct{})}
	for w := range p.rng {
		s := imp.Seed + uint64(w)
		p.rng[w] = rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	}
	return p
}

// lose draws whether the link loses the next packet going w.
func (p *path) lose(w way) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.imp.Loss > 0 && p.rng[w].Float64() < p.imp.Loss
}

// carry hands pkt, going w, to next after the delay; a stopped path
// drops it.
func (p *path) carry(w way, pkt []byte, next func([]byte)) {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	d := p.imp.Delay
	if p.imp.Jitter > 0 {
		d += time.Duration(p.rng[w].Int64N(int64(2*p.imp.Jitter)+1)) - p.imp.Jitter
	}
	if d <= 0 {
		p.mu.Unlock()
		next(pkt)
		return
	}
	p.pending.Add(1)
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		defer p.pending.Done()
		p.mu.Lock() // after t is set: carry holds the lock until then
		delete(p.delayed, t)
		stopped := p.stopped
		p.mu.Unlock()
		if !stopped {
			next(pkt)
		}
	})
	p.delayed[t] = struct{}{}
	p.mu.Unlock()
}

// stop drops whatever is still delayed, and waits for the deliveries
// already under way.
func (p *path) stop() {
	p.mu.Lock()
	p.stopped = true
	for t := range p.delayed {
		if t.Stop() {
			p.pending.Done() // its function will not run
		}
		delete(p.delayed, t)
	}
	p.mu.Unlock()
	p.pending.Wait()
}
