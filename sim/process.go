package sim

import (
	"fmt"
	"runtime"
	"time"
)

// Process is application code that runs in the world as if it were a
// thread of a host: it may make blocking socket calls (Accept, Connect,
// Send, Recv, Select) and Sleep, and each of them completes when the
// simulated event it waits for happens, in virtual time.
//
// A process runs on a goroutine of its own, but only while the world
// hands it control: exactly one of the world's loop and its processes
// runs at any moment, handing control over through channels, so a run
// with processes is as deterministic as one with callbacks. A process
// runs until it blocks; after each event the world resumes, in creation
// order, the blocked processes whose call can now complete.
//
// Scheduling is cooperative: virtual time stands still while a process
// runs, so a process that loops without ever blocking (polling a
// non-blocking socket) holds the world for ever; poll with Select and a
// timeout, or Sleep. A process must not drive the world (Step, Run,
// Close): only the goroutine that owns the world does.
type Process struct {
	w    *World
	host *Host
	name string
	fn   func(*Process)
	id   uint32 // in scheduler.all
	wake uint32 // the generation of its wake-up events: see scheduler.due

	resume chan struct{} // the world hands the process control
	yield  chan struct{} // the process hands it back (blocked or done)

	cond    func() bool // while blocked: whether it can go on; nil while it runs
	waiting string      // while blocked: the call it is blocked in ("accept", "sleep")
	waitFD  int         // and the descriptor, or -1
	started bool        // its goroutine exists
	done    bool        // its function returned (or it was terminated)
	killed  bool        // World.Close terminates it
	panic   any         // what its function panicked with, re-raised by the world
}

// scheduler holds a world's processes and its hosts' socket tables.
type scheduler struct {
	procs   []*Process // not yet done, in creation order
	all     []*Process // every process, by id: what wake-up events refer to
	current *Process   // the process that has control, nil for the world's loop
	sockets map[*Host]*Sockets
	closed  bool
}

// sched returns the world's scheduler, making it on first use.
func (w *World) sched() *scheduler {
	if w.procs == nil {
		w.procs = &scheduler{sockets: make(map[*Host]*Sockets)}
	}
	return w.procs
}

// Go starts a process named name on host h running fn. It starts when the
// world next runs (Step, Run), at the current virtual time. It may be
// called from another process. Sockets belong to the host, not to the
// process: they stay open when fn returns. h must be a host of w and fn
// not nil: Go panics otherwise, as for a nil function in a go statement.
func (w *World) Go(h *Host, name string, fn func(*Process)) *Process {
	if h == nil || h.w != w || fn == nil {
		panic("sim: World.Go needs a host of this world and a function")
	}
	s := w.sched()
	p := &Process{
		w: w, host: h, name: name, fn: fn,
		resume: make(chan struct{}), yield: make(chan struct{}),
		cond: func() bool { return true }, waiting: "start", waitFD: -1,
	}
	if s.closed {
		p.done, p.cond, p.waiting = true, nil, ""
		return p
	}
	p.id = uint32(len(s.all))
	s.all = append(s.all, p)
	s.procs = append(s.procs, p)
	p.wakeAt(w.now)
	return p
}

// wakeAt schedules a wake-up event for p at virtual time at: the world
// checks p's condition then, even if nothing else happens.
func (p *Process) wakeAt(at int64) {
	p.w.agenda.push(evWake, event{at: at, idx: p.id, gen: p.wake})
}

// due reports whether wake-up event e still has a process to wake: not
// if the process went on before it (a select that returned before its
// timeout), so that a stale timeout neither counts as an event nor moves
// the clock. Like connection timers, wake-ups are never removed from the
// agenda, only recognized as stale (lazy deletion).
func (s *scheduler) due(e *event) bool {
	if s == nil || int(e.idx) >= len(s.all) {
		return false
	}
	p := s.all[e.idx]
	return !p.done && p.cond != nil && p.wake == e.gen
}

// poke makes the world look at its blocked processes again soon: a
// socket call made outside any process (test code between steps) may
// have made one runnable without an event.
func (s *scheduler) poke(w *World) {
	if s == nil || s.current != nil {
		return
	}
	for _, p := range s.procs {
		if p.cond != nil {
			p.wakeAt(w.now)
		}
	}
}

// Name returns the name the process was started with.
func (p *Process) Name() string { return p.name }

// Host returns the host the process runs on.
func (p *Process) Host() *Host { return p.host }

// Now returns the world's virtual time.
func (p *Process) Now() time.Time { return p.w.Now() }

// Done reports whether the process's function has returned (or the
// process was terminated by World.Close).
func (p *Process) Done() bool { return p.done }

// Waiting says what a blocked process waits for ("accept(3)", "sleep",
// "select"...), "" if it is not blocked.
func (p *Process) Waiting() string {
	if p.waitFD >= 0 && p.waiting != "" {
		return fmt.Sprintf("%s(%d)", p.waiting, p.waitFD)
	}
	return p.waiting
}

func (p *Process) String() string { return p.host.name + "/" + p.name }

// Sleep blocks the process for d of virtual time. It must be called by
// the process itself.
func (p *Process) Sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	w := p.w
	wake := w.now + int64(d)
	p.wakeAt(wake)
	p.park("sleep", -1, func() bool { return w.now >= wake })
}

// park blocks the calling process until cond holds: control goes back to
// the world, which calls cond after each event (on its own goroutine,
// while the process waits) and resumes the process when it is true.
func (p *Process) park(what string, fd int, cond func() bool) {
	s := p.w.procs
	if s == nil || s.current != p {
		panic(fmt.Sprintf("sim: process %v: blocking call made outside the process", p))
	}
	if p.killed {
		runtime.Goexit()
	}
	if cond() {
		return
	}
	p.cond, p.waiting, p.waitFD = cond, what, fd
	p.yield <- struct{}{}
	<-p.resume
	p.cond, p.waiting = nil, ""
	if p.killed {
		runtime.Goexit() // World.Close: deferred calls run, the goroutine ends
	}
}

// main is the process's goroutine.
func (p *Process) main() {
	defer func() {
		if r := recover(); r != nil {
			p.panic = r
		}
		p.done, p.cond, p.waiting = true, nil, ""
		p.yield <- struct{}{}
	}()
	<-p.resume
	if p.killed {
		return
	}
	p.fn(p)
}

// switchTo hands control to p until it blocks again or ends. A panic in
// the process is raised again here, on the world's goroutine.
func (s *scheduler) switchTo(p *Process) {
	if !p.started {
		p.started = true
		go p.main()
	}
	p.cond = nil
	p.wake++ // its pending wake-ups are stale now
	s.current = p
	p.resume <- struct{}{}
	<-p.yield
	s.current = nil
	if p.panic != nil {
		r := p.panic
		p.panic = nil
		panic(fmt.Sprintf("sim: process %v panicked: %v", p, r))
	}
}

// runReady resumes every blocked process that can go on, in creation
// order, and goes over them again as long as one ran (a process can
// make another runnable, e.g. by closing a socket it waits on). It is
// called by the world after each event.
func (s *scheduler) runReady() {
	if s == nil || s.current != nil {
		return
	}
	for {
		ran := false
		for i := 0; i < len(s.procs); i++ { // Go may append while it runs
			p := s.procs[i]
			if p.done || p.cond == nil || !p.cond() {
				continue
			}
			s.switchTo(p)
			ran = true
		}
		s.procs = removeDone(s.procs)
		if !ran {
			return
		}
	}
}

func removeDone(ps []*Process) []*Process {
	out := ps[:0]
	for _, p := range ps {
		if !p.done {
			out = append(out, p)
		}
	}
	clear(ps[len(out):])
	return out
}

// Blocked returns the processes that are blocked, in creation order.
// After Run, these are blocked for good: nothing left in the world can
// wake them (a deadlock, or a server waiting for clients that never
// come). World.Close ends them.
func (w *World) Blocked() []*Process {
	var out []*Process
	if w.procs == nil {
		return nil
	}
	for _, p := range w.procs.procs {
		if !p.done && p.cond != nil {
			out = append(out, p)
		}
	}
	return out
}

// Close terminates the world's processes: each blocked one is resumed and
// ends at once, its deferred calls run (runtime.Goexit), so that no
// goroutine outlives the world. Processes started later never run. Close
// must not be called from a process; calling it again does nothing.
func (w *World) Close() error {
	s := w.procs
	if s == nil || s.closed {
		return nil
	}
	if s.current != nil {
		return fmt.Errorf("%w: World.Close called from process %v", ErrInvalid, s.current)
	}
	s.closed = true
	for _, p := range s.procs {
		p.killed = true
		if p.started && !p.done {
			s.switchTo(p)
		}
		p.done, p.cond, p.waiting = true, nil, ""
	}
	s.procs = nil
	return nil
}
