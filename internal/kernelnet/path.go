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

// path applies the impairments to packets one way or the other.
type path struct {
	imp      Impairments
	toKernel func([]byte)

	mu      sync.Mutex
	rng     *rand.Rand
	stopped bool
	delayed map[*time.Timer]struct{} // the packets being delayed
	pending sync.WaitGroup           // one for each
}

func newPath(imp Impairments, toKernel func([]byte)) *path {
	return &path{imp: imp, toKernel: toKernel, rng: rand.New(rand.NewPCG(imp.Seed, imp.Seed^0x9e3779b97f4a7c15)),
		delayed: make(map[*time.Timer]struct{})}
}

// fromTcpsim sends a packet towards the kernel.
func (p *path) fromTcpsim(pkt []byte) { p.pass(pkt, p.toKernel) }

// fromKernel hands a packet from the kernel to deliver.
func (p *path) fromKernel(pkt []byte, deliver func([]byte)) { p.pass(pkt, deliver) }

// pass loses pkt, or hands it to next after the delay.
func (p *path) pass(pkt []byte, next func([]byte)) {
	p.mu.Lock()
	if p.stopped || p.imp.Loss > 0 && p.rng.Float64() < p.imp.Loss {
		p.mu.Unlock()
		return
	}
	d := p.imp.Delay
	if p.imp.Jitter > 0 {
		d += time.Duration(p.rng.Int64N(int64(2*p.imp.Jitter)+1)) - p.imp.Jitter
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
		p.mu.Lock() // after t is set: pass holds the lock until then
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
