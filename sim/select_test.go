package sim

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// members lists the descriptors of s in ascending order.
func members(s *FDSet) []int {
	out := []int{}
	s.each(func(fd int) bool { out = append(out, fd); return true })
	return out
}

func TestFDSet(t *testing.T) {
	var s FDSet
	s.Set(3)
	s.Set(64)
	s.Set(MaxSockets - 1)
	s.Set(MaxSockets) // out of range: ignored, as are negative ones
	s.Set(-1)
	assert.Equal(t, []int{3, 64, MaxSockets - 1}, members(&s))
	assert.True(t, s.IsSet(64))
	assert.False(t, s.IsSet(65))
	assert.False(t, s.IsSet(-1))
	s.Clear(64)
	assert.Equal(t, 2, s.Count())
	s.Zero()
	assert.Equal(t, 0, s.Count())
}

// The tutorial's non-blocking connect that completes: connect returns
// EINPROGRESS at once, select reports the socket writable when the
// SYN-ACK arrives (100 ms: 50 ms each way), and connecting again is then
// EISCONN.
func TestNonblockingConnectCompletes(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	require.NoError(t, server.Sockets().Listen(bound(t, server.Sockets(), 80), 5))
	var log []string
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		require.NoError(t, s.SetNonblocking(fd, true))
		log = append(log, fmt.Sprintf("%v connect %v", at(w), s.Connect(fd, serverPort)))
		log = append(log, fmt.Sprintf("%v connect %v", at(w), s.Connect(fd, serverPort)))
		var wr, ex FDSet
		wr.Set(fd)
		ex.Set(fd)
		n, err := s.Select(nil, &wr, &ex, nil)
		log = append(log, fmt.Sprintf("%v select %d %v write %v except %v", at(w), n, err, members(&wr), members(&ex)))
		log = append(log, fmt.Sprintf("%v so_error %v", at(w), s.SocketError(fd)))
		log = append(log, fmt.Sprintf("%v connect %v", at(w), s.Connect(fd, serverPort)))
		// Non-blocking recv with nothing to read.
		_, err = s.Recv(fd, make([]byte, 4))
		log = append(log, fmt.Sprintf("%v recv %v", at(w), err))
	})
	w.Run()
	assert.Equal(t, []string{
		"0s connect sim: operation now in progress",
		"0s connect sim: operation already in progress",
		"100ms select 1 <nil> write [3] except []",
		"100ms so_error <nil>",
		"100ms connect sim: socket is already connected",
		"100ms recv sim: operation would block",
	}, log)
}

// bound returns a socket of s bound to port.
func bound(t *testing.T, s *Sockets, port uint16) int {
	fd, err := s.Socket()
	require.NoError(t, err)
	require.NoError(t, s.Bind(fd, netip.AddrPortFrom(netip.Addr{}, port)))
	return fd
}

// The tutorial's non-blocking connect that fails: nothing listens on
// port 81, the server's host answers the SYN with a RST (RFC 9293
// §3.10.7.1), which arrives at 100ms: select puts the socket in the
// except set (not the write set) and SocketError says why, once.
func TestNonblockingConnectFails(t *testing.T) {
	w, client, _, _ := pair(t, 1, nil)
	var log []string
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		s.SetNonblocking(fd, true)
		log = append(log, fmt.Sprintf("%v connect %v", at(w), s.Connect(fd, netip.AddrPortFrom(serverAddr, 81))))
		var wr, ex FDSet
		wr.Set(fd)
		ex.Set(fd)
		hour := time.Hour
		n, err := s.Select(nil, &wr, &ex, &hour)
		log = append(log, fmt.Sprintf("%v select %d %v write %v except %v", at(w), n, err, members(&wr), members(&ex)))
		log = append(log, fmt.Sprintf("%v so_error %v", at(w), s.SocketError(fd)))
		log = append(log, fmt.Sprintf("%v so_error %v", at(w), s.SocketError(fd)))
		log = append(log, fmt.Sprintf("%v close %v", at(w), s.CloseSocket(fd)))
		// Then wait for ever (a connection that never comes).
		lfd := listenOn(t, s, 80, 5)
		var rd FDSet
		rd.Set(lfd)
		s.Select(&rd, nil, nil, nil)
	})
	w.Run()
	defer w.Close()
	assert.Equal(t, []string{
		"0s connect sim: operation now in progress",
		"100ms select 1 <nil> write [] except [3]",
		"100ms so_error sim: connection refused",
		"100ms so_error <nil>",
		"100ms close <nil>",
	}, log)
	// The select's one-hour timeout went stale when it returned: it
	// neither counts as an event nor moves the clock.
	assert.Equal(t, 100*time.Millisecond, w.Elapsed())
}

// A blocking connect to a closed port fails with ErrConnRefused when the
// RST arrives; the socket may then try again.
func TestBlockingConnectRefused(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var log []string
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		err := s.Connect(fd, serverPort)
		log = append(log, fmt.Sprintf("%v connect %v", at(w), err))
		p.Sleep(time.Second) // the server listens at 500ms
		err = s.Connect(fd, serverPort)
		log = append(log, fmt.Sprintf("%v connect %v", at(w), err))
	})
	w.Go(server, "server", func(p *Process) {
		p.Sleep(500 * time.Millisecond)
		listenOn(t, p.Sockets(), 80, 5)
	})
	w.Run()
	assert.Equal(t, []string{
		"100ms connect sim: connection refused",
		"1.2s connect <nil>", // from 1.1s, one round trip
	}, log)
}

// Select on several sockets, the tutorial's server loop: one listening
// socket and the connections it accepts, in one read set. Client 1
// connects at 0 (its ACK reaches the server at 150ms), sends "a" at 500ms
// (arrives 550ms) and closes at 1.5s (FIN at 1.55s); client 2 connects at
// 1s (ACK at 1.15s), sends "bb" at once (it arrives at 1.15s too, just
// after the ACK) and closes at 2s (FIN at 2.05s).
func TestSelectSeveralSockets(t *testing.T) {
	w, client, server, lg := pair(t, 7, nil)
	var steps []string
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		lfd := listenOn(t, s, 80, 5)
		var all FDSet
		all.Set(lfd)
		for closed := 0; closed < 2; {
			rd := all
			n, err := s.Select(&rd, nil, nil, nil)
			require.NoError(t, err)
			step := fmt.Sprintf("%v n=%d read=%v", at(w), n, members(&rd))
			if rd.IsSet(lfd) {
				fd, _, err := s.Accept(lfd)
				require.NoError(t, err)
				all.Set(fd)
				step += fmt.Sprintf(" accept %d", fd)
				// A fresh connection has send space: writable at once.
				var wr FDSet
				wr.Set(fd)
				zero := time.Duration(0)
				n, _ := s.Select(nil, &wr, nil, &zero)
				step += fmt.Sprintf(" writable %d", n)
			}
			for _, fd := range members(&rd) {
				if fd == lfd {
					continue
				}
				buf := make([]byte, 10)
				n, err := s.Recv(fd, buf)
				step += fmt.Sprintf(" recv %d %q %v", fd, buf[:n], err)
				if n == 0 {
					s.CloseSocket(fd)
					all.Clear(fd)
					closed++
				}
			}
			steps = append(steps, step)
		}
		s.CloseSocket(lfd)
	})
	clientApp := func(start, sendAfter, closeAfter time.Duration, msg string) func(*Process) {
		return func(p *Process) {
			p.Sleep(start)
			s := p.Sockets()
			fd, _ := s.Socket()
			require.NoError(t, s.Connect(fd, serverPort))
			p.Sleep(sendAfter)
			_, err := s.Send(fd, []byte(msg))
			require.NoError(t, err)
			p.Sleep(closeAfter)
			s.CloseSocket(fd)
		}
	}
	w.Go(client, "client1", clientApp(0, 400*time.Millisecond, time.Second, "a"))
	w.Go(client, "client2", clientApp(time.Second, 0, 900*time.Millisecond, "bb"))
	w.Run()
	assert.Equal(t, []string{
		"150ms n=1 read=[3] accept 4 writable 1",
		`550ms n=1 read=[4] recv 4 "a" <nil>`,
		"1.15s n=1 read=[3] accept 5 writable 1",
		`1.15s n=1 read=[5] recv 5 "bb" <nil>`,
		`1.55s n=1 read=[4] recv 4 "" <nil>`,
		`2.05s n=1 read=[5] recv 5 "" <nil>`,
	}, steps)
	assert.Empty(t, w.Blocked())
	assert.NotEmpty(t, lg.events)
}

// Select's timeout runs in virtual time; a poll returns at once.
func TestSelectTimeout(t *testing.T) {
	w, _, server, _ := pair(t, 1, nil)
	var log []string
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		lfd := listenOn(t, s, 80, 5)
		var rd FDSet
		rd.Set(lfd)
		d := 250 * time.Millisecond
		n, err := s.Select(&rd, nil, nil, &d)
		log = append(log, fmt.Sprintf("%v n=%d %v read=%v", at(w), n, err, members(&rd)))
		rd.Set(lfd)
		d = 0
		n, err = s.Select(&rd, nil, nil, &d)
		log = append(log, fmt.Sprintf("%v n=%d %v read=%v", at(w), n, err, members(&rd)))
		// Closing a descriptor another process waits on wakes it.
		rd.Set(lfd)
		n, err = s.Select(&rd, nil, nil, nil)
		log = append(log, fmt.Sprintf("%v n=%d %v", at(w), n, err))
	})
	w.Go(server, "closer", func(p *Process) {
		p.Sleep(time.Second)
		p.Sockets().CloseSocket(FirstFD)
	})
	w.Run()
	assert.Equal(t, []string{
		"250ms n=0 <nil> read=[]",
		"250ms n=0 <nil> read=[]",
		"1s n=0 sim: bad file descriptor",
	}, log)
}

// A full send buffer: a non-blocking send takes what fits, then would
// block; select reports the socket writable again once the peer's ACKs
// free space.
func TestSendBufferFull(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var log []string
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		fd, _, _ := s.Accept(listenOn(t, s, 80, 5))
		buf := make([]byte, 64<<10)
		for {
			n, _ := s.Recv(fd, buf)
			if n == 0 {
				break
			}
		}
		s.CloseSocket(fd)
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		require.NoError(t, s.Connect(fd, serverPort))
		s.SetNonblocking(fd, true)
		big := make([]byte, 100<<10)
		n, err := s.Send(fd, big)
		log = append(log, fmt.Sprintf("%v send %d %v", at(w), n, err))
		_, err = s.Send(fd, big)
		log = append(log, fmt.Sprintf("%v send %v", at(w), err))
		var wr FDSet
		wr.Set(fd)
		zero := time.Duration(0)
		n, _ = s.Select(nil, &wr, nil, &zero)
		log = append(log, fmt.Sprintf("%v poll %d", at(w), n))
		wr.Set(fd) // the poll emptied it
		n, _ = s.Select(nil, &wr, nil, nil)
		log = append(log, fmt.Sprintf("%v select %d", at(w), n))
		// Blocking again: the rest goes out as space frees.
		s.SetNonblocking(fd, false)
		n, err = s.Send(fd, big)
		log = append(log, fmt.Sprintf("send %d %v", n, err))
		s.CloseSocket(fd)
	})
	w.Run()
	require.Len(t, log, 5)
	// The default send buffer is 64 KiB (tcpstate.DefaultConfig).
	assert.Equal(t, []string{
		"100ms send 65536 <nil>",
		"100ms send sim: operation would block",
		"100ms poll 0",
	}, log[:3])
	assert.Regexp(t, `^\d+(\.\d+)?ms select 1$`, log[3], "writable when an ACK frees space, one round trip later")
	assert.Equal(t, "send 102400 <nil>", log[4])
	assert.Empty(t, w.Blocked())
}
