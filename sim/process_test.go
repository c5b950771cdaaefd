package sim

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goroutines waits briefly for exiting goroutines to be gone and returns
// how many remain.
func goroutines() int {
	for range 100 {
		runtime.Gosched()
	}
	time.Sleep(10 * time.Millisecond) // wall time: goroutines that are ending
	return runtime.NumGoroutine()
}

// Sleep runs in virtual time, and processes run in creation order when
// they wake at the same instant.
func TestProcessSleepOrder(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var log []string
	note := func(p *Process, what string) {
		log = append(log, fmt.Sprintf("%v %s %s", p.Now().Sub(Epoch()), p.Name(), what))
	}
	w.Go(server, "a", func(p *Process) {
		note(p, "start")
		p.Sleep(2 * time.Second)
		note(p, "woke")
	})
	w.Go(client, "b", func(p *Process) {
		note(p, "start")
		p.Sleep(time.Second)
		note(p, "woke")
		p.Sleep(time.Second)
		note(p, "woke")
		w.Go(client, "c", func(p *Process) { note(p, "start") })
		p.Sleep(0)
		note(p, "done")
	})
	w.Run()
	assert.Equal(t, []string{
		"0s a start",
		"0s b start",
		"1s b woke",
		"2s a woke",
		"2s b woke",
		"2s b done",
		"2s c start",
	}, log)
	assert.Equal(t, 2*time.Second, w.Elapsed())
}

// A process blocked for good is reported after Run, not a hang; Close
// ends it (its deferred calls run, even one that makes a blocking call)
// and no goroutine outlives the world.
func TestDeadlockReportedAndClosed(t *testing.T) {
	before := goroutines()
	w, client, server, _ := pair(t, 1, nil)
	deferred := 0
	w.Go(server, "server", func(p *Process) {
		defer func() { deferred++ }()
		defer func() {
			// A blocking call while being terminated ends at once too.
			p.Sockets().Recv(FirstFD, make([]byte, 1))
			deferred++
		}()
		s := p.Sockets()
		s.Accept(listenOn(t, s, 80, 5)) // no client ever comes
		t.Error("accept returned")
	})
	w.Go(client, "sleeper", func(p *Process) {
		defer func() { deferred++ }()
		p.Sleep(time.Hour)
	})
	w.RunFor(time.Minute) // both have started, "sleeper" is asleep
	require.Len(t, w.Blocked(), 2)
	w.Run() // the sleeper wakes at 1h and ends
	blocked := w.Blocked()
	require.Len(t, blocked, 1)
	assert.Equal(t, "server/server", blocked[0].String())
	assert.Equal(t, "accept(3)", blocked[0].Waiting())
	assert.Equal(t, time.Hour, w.Elapsed())
	assert.Greater(t, goroutines(), before, "the blocked process's goroutine is alive")

	require.NoError(t, w.Close())
	assert.Empty(t, w.Blocked())
	assert.True(t, blocked[0].Done())
	assert.Equal(t, 3, deferred)
	assert.Equal(t, before, goroutines(), "no goroutine leaks")
	assert.NoError(t, w.Close(), "closing twice does nothing")

	late := w.Go(server, "late", func(*Process) { t.Error("ran after Close") })
	w.Run()
	assert.True(t, late.Done())
}

// A process that never started leaves no goroutine behind.
func TestCloseBeforeRun(t *testing.T) {
	before := goroutines()
	w, _, server, _ := pair(t, 1, nil)
	p := w.Go(server, "idle", func(*Process) { t.Error("ran") })
	require.NoError(t, w.Close())
	w.Run()
	assert.True(t, p.Done())
	assert.Equal(t, before, goroutines())
}

// A panic in a process surfaces on the goroutine running the world,
// naming the process.
func TestProcessPanic(t *testing.T) {
	w, _, server, _ := pair(t, 1, nil)
	w.Go(server, "bad", func(*Process) { panic("boom") })
	assert.PanicsWithValue(t, "sim: process server/bad panicked: boom", w.Run)
}

// Blocking calls belong to the process that makes them: made from
// another goroutine they panic with a clear message.
func TestParkOutsideProcess(t *testing.T) {
	w, _, server, _ := pair(t, 1, nil)
	p := w.Go(server, "p", func(*Process) {})
	assert.PanicsWithValue(t, "sim: process server/p: blocking call made outside the process", func() { p.Sleep(time.Second) })
	w.Run()
	other := New(Config{})
	assert.Panics(t, func() { other.Go(server, "x", func(*Process) {}) }, "a host of another world")
	assert.Panics(t, func() { w.Go(server, "x", nil) })
}

// The accept queue holds backlog connections; one more that completes
// its handshake is refused with a RST, as Winsock does.
func TestListenBacklog(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	s := server.Sockets()
	lfd := bound(t, s, 80)
	require.NoError(t, s.Listen(lfd, 1))
	var errs []error
	for i := range 2 {
		w.Go(client, fmt.Sprint("client", i), func(p *Process) {
			p.Sleep(time.Duration(i) * time.Second)
			cs := p.Sockets()
			fd, _ := cs.Socket()
			require.NoError(t, cs.Connect(fd, serverPort))
			_, err := cs.Recv(fd, make([]byte, 1))
			errs = append(errs, err)
		})
	}
	w.RunFor(10 * time.Second)
	assert.Equal(t, []error{ErrConnReset}, errs, "the second client is reset when its ACK arrives")
	fd, _, err := s.Accept(lfd)
	require.NoError(t, err, "the first is in the queue")
	_, _, err = s.Accept(lfd)
	assert.ErrorIs(t, err, ErrWouldBlock)
	require.NoError(t, s.CloseSocket(fd))
	w.Run()
	assert.Equal(t, []error{ErrConnReset, nil}, errs, "the first sees the end of the stream")
	require.NoError(t, w.Close())
}

// The same seed gives the same trace, processes and sockets included.
func TestSocketsDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		w, client, server, lg := pair(t, seed, nil)
		w.Go(server, "server", func(p *Process) {
			s := p.Sockets()
			lfd := listenOn(t, s, 80, 5)
			for range 3 {
				fd, _, _ := s.Accept(lfd)
				w.Go(server, "worker", func(p *Process) {
					buf := make([]byte, 100)
					for {
						n, err := s.Recv(fd, buf)
						if n == 0 || err != nil {
							break
						}
						s.Send(fd, buf[:n])
					}
					s.CloseSocket(fd)
				})
			}
			s.CloseSocket(lfd)
		})
		for i := range 3 {
			w.Go(client, "client", func(p *Process) {
				p.Sleep(time.Duration(i) * 10 * time.Millisecond)
				s := p.Sockets()
				fd, _ := s.Socket()
				s.Connect(fd, serverPort)
				s.Send(fd, []byte(fmt.Sprint("request ", i)))
				s.Recv(fd, make([]byte, 100))
				s.CloseSocket(fd)
			})
		}
		w.Run()
		assert.Empty(t, w.Blocked())
		return lg.text()
	}
	a, b := run(42), run(42)
	require.NotEmpty(t, a)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, run(43))
}

// A socket call made outside any process (here test code between runs)
// wakes the processes it concerns: closing the descriptor a process
// waits on in accept makes the accept fail with ErrBadFD.
func TestCloseFromOutsideWakes(t *testing.T) {
	w, _, server, _ := pair(t, 1, nil)
	s := server.Sockets()
	lfd := bound(t, s, 80)
	require.NoError(t, s.Listen(lfd, 5))
	var err error
	var when time.Duration
	w.Go(server, "server", func(p *Process) {
		_, _, err = s.Accept(lfd)
		when = at(w)
	})
	w.RunFor(time.Second)
	require.Len(t, w.Blocked(), 1)
	require.NoError(t, s.CloseSocket(lfd))
	w.Run()
	assert.Empty(t, w.Blocked())
	assert.ErrorIs(t, err, ErrBadFD)
	assert.Equal(t, time.Second, when)
}

// BenchmarkProcessSleep measures one round of the handoff: a process
// sleeps, the world runs the wake-up event and hands control back.
func BenchmarkProcessSleep(b *testing.B) {
	w, _, server := untraced(b)
	w.Go(server, "sleeper", func(p *Process) {
		for range b.N {
			p.Sleep(time.Millisecond)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	w.Run()
}

// BenchmarkSocketEcho measures a blocking request and answer of 64
// bytes between two processes, over an established connection.
func BenchmarkSocketEcho(b *testing.B) {
	w, client, server := untraced(b)
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		lfd, _ := s.Socket()
		s.Bind(lfd, netip.AddrPortFrom(netip.Addr{}, 80))
		s.Listen(lfd, 5)
		fd, _, _ := s.Accept(lfd)
		buf := make([]byte, 64)
		for {
			n, err := s.Recv(fd, buf)
			if n == 0 || err != nil {
				break
			}
			s.Send(fd, buf[:n])
		}
		s.CloseSocket(fd)
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		s.Connect(fd, serverPort)
		buf := make([]byte, 64)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			s.Send(fd, buf)
			for got := 0; got < len(buf); {
				n, _ := s.Recv(fd, buf[got:])
				got += n
			}
		}
		b.StopTimer()
		s.CloseSocket(fd)
	})
	w.Run()
}

// untraced is pair without a trace, for benchmarks.
func untraced(b *testing.B) (*World, *Host, *Host) {
	w := New(Config{Seed: 1})
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: serverAddr})
	if _, err := w.AddLink(c, s, Path{Delay: delay}, Path{Delay: delay}); err != nil {
		b.Fatal(err)
	}
	return w, c, s
}
