package sim

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// at returns the virtual time since Epoch, for readable assertions.
func at(w *World) time.Duration { return w.Elapsed() }

// calls returns the call events of the trace as "time host call result".
func calls(lg *log) []string {
	var out []string
	for _, e := range lg.filter(TraceCall, nil) {
		out = append(out, fmt.Sprintf("%v %s %v %s", e.Time.Sub(Epoch()), e.Host, e.Call, e.Result()))
	}
	return out
}

// listenOn makes a blocking listening socket on port of the process's
// host.
func listenOn(t *testing.T, s *Sockets, port uint16, backlog int) int {
	fd, err := s.Socket()
	require.NoError(t, err)
	require.NoError(t, s.Bind(fd, netip.AddrPortFrom(netip.IPv4Unspecified(), port)))
	require.NoError(t, s.Listen(fd, backlog))
	return fd
}

// The tutorial's first lesson: a blocking accept freezes its caller until
// a client connects. The server waits from 0s; the client connects at
// 1s; with 50 ms each way, the SYN arrives at 1.05s, the SYN-ACK at 1.1s
// (connect returns) and the ACK at 1.15s (accept returns).
func TestBlockingAccept(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var acceptedAt, connectedAt time.Duration
	var newfd int
	var remote netip.AddrPort
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		fd := listenOn(t, s, 80, 5)
		var err error
		newfd, remote, err = s.Accept(fd)
		assert.NoError(t, err)
		acceptedAt = at(w)
	})
	w.Go(client, "client", func(p *Process) {
		p.Sleep(time.Second)
		s := p.Sockets()
		fd, _ := s.Socket()
		assert.NoError(t, s.Connect(fd, serverPort))
		connectedAt = at(w)
	})

	w.RunUntil(Epoch().Add(time.Second - time.Millisecond))
	blocked := w.Blocked()
	require.Len(t, blocked, 2)
	assert.Equal(t, "server/server", blocked[0].String())
	assert.Equal(t, "accept(3)", blocked[0].Waiting(), "the server is stuck in accept while virtual time passes")
	assert.Equal(t, "sleep", blocked[1].Waiting())

	w.Run()
	assert.Empty(t, w.Blocked())
	assert.Equal(t, 1100*time.Millisecond, connectedAt)
	assert.Equal(t, 1150*time.Millisecond, acceptedAt)
	assert.Equal(t, FirstFD+1, newfd, "the lowest free descriptor")
	assert.Equal(t, netip.AddrPortFrom(clientAddr, FirstEphemeralPort), remote)
}

// A blocking echo: connect, send, recv on the client; accept, recv, send
// on the server; recv returns 0 when the peer has closed in order. Times
// by hand with 50 ms each way: connect returns at 100ms and "hello"
// leaves; it arrives at 150ms with the handshake's ACK (accept and recv
// return, the echo leaves); the echo arrives at 200ms and the client
// closes; its FIN arrives at 250ms: the server's recv returns 0.
func TestBlockingEcho(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	var srvLog, cliLog []string
	note := func(l *[]string, f string, a ...any) {
		*l = append(*l, fmt.Sprintf("%v ", at(w))+fmt.Sprintf(f, a...))
	}
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		lfd := listenOn(t, s, 80, 5)
		fd, _, err := s.Accept(lfd)
		note(&srvLog, "accept %d %v", fd, err)
		buf := make([]byte, 100)
		for {
			n, err := s.Recv(fd, buf)
			note(&srvLog, "recv %q %v", buf[:n], err)
			if n == 0 || err != nil {
				break
			}
			n, err = s.Send(fd, buf[:n])
			note(&srvLog, "send %d %v", n, err)
		}
		note(&srvLog, "close %v", s.CloseSocket(fd))
		note(&srvLog, "close %v", s.CloseSocket(lfd))
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		note(&cliLog, "connect %v", s.Connect(fd, serverPort))
		n, err := s.Send(fd, []byte("hello"))
		note(&cliLog, "send %d %v", n, err)
		buf := make([]byte, 100)
		n, err = s.Recv(fd, buf)
		note(&cliLog, "recv %q %v", buf[:n], err)
		note(&cliLog, "close %v", s.CloseSocket(fd))
	})
	w.Run()
	assert.Equal(t, []string{
		"150ms accept 4 <nil>",
		`150ms recv "hello" <nil>`,
		"150ms send 5 <nil>",
		`250ms recv "" <nil>`,
		"250ms close <nil>",
		"250ms close <nil>",
	}, srvLog)
	assert.Equal(t, []string{
		"100ms connect <nil>",
		"100ms send 5 <nil>",
		`200ms recv "hello" <nil>`,
		"200ms close <nil>",
	}, cliLog)
	// Every socket call is traced as a call event with its result. The
	// accept is traced when the connection joins the accept queue.
	assert.Equal(t, []string{
		"0s server listen ok",
		"0s client connect ok",
		"100ms client send ok",
		"150ms server accept ok",
		"150ms server recv ok",
		"150ms server send ok",
		"200ms client recv ok",
		"200ms client close ok",
		"250ms server recv eof",
		"250ms server close ok",
		"250ms server close ok",
	}, calls(lg))
	assert.Empty(t, w.Blocked())
}

// Half-close (RFC 9293 §3.10.4): after Shutdown(ShutWrite) the client
// can still receive; the server reads 0 and answers before closing.
func TestShutdownHalfClose(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var got string
	var recvErr error
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		fd, _, _ := s.Accept(listenOn(t, s, 80, 5))
		buf := make([]byte, 100)
		n, err := s.Recv(fd, buf)
		assert.Equal(t, 0, n)
		assert.NoError(t, err)
		_, err = s.Send(fd, []byte("late answer"))
		assert.NoError(t, err)
		s.CloseSocket(fd)
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		require.NoError(t, s.Connect(fd, serverPort))
		require.NoError(t, s.Shutdown(fd, ShutWrite))
		_, err := s.Send(fd, []byte("x"))
		assert.ErrorIs(t, err, ErrShutdown)
		buf := make([]byte, 100)
		n, err := s.Recv(fd, buf)
		got, recvErr = string(buf[:n]), err
		n, err = s.Recv(fd, buf)
		assert.Equal(t, 0, n, "then the end of the stream")
		assert.NoError(t, err)
		s.CloseSocket(fd)
	})
	w.Run()
	assert.Equal(t, "late answer", got)
	assert.NoError(t, recvErr)
	assert.Empty(t, w.Blocked())
}

// A reset reaches a blocked recv as ErrConnReset. The server closes its
// socket with received data unread, which resets the connection (RFC
// 2525 §2.17) rather than closing it.
func TestRecvReset(t *testing.T) {
	w, client, server, lg := pair(t, 1, nil)
	var recvErr error
	var recvAt time.Duration
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		fd, _, _ := s.Accept(listenOn(t, s, 80, 5)) // at 150ms, "unread" with it
		p.Sleep(50 * time.Millisecond)
		s.CloseSocket(fd) // 200ms: RST
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		require.NoError(t, s.Connect(fd, serverPort))
		s.Send(fd, []byte("unread"))
		_, recvErr = s.Recv(fd, make([]byte, 10))
		recvAt = at(w)
		_, err := s.Send(fd, []byte("more"))
		assert.ErrorIs(t, err, ErrConnReset, "send after the reset fails at once")
		assert.NoError(t, s.CloseSocket(fd))
	})
	w.Run()
	assert.ErrorIs(t, recvErr, ErrConnReset)
	assert.Equal(t, 250*time.Millisecond, recvAt)
	assert.Contains(t, calls(lg), "200ms server abort ok")
}

// The bad calls of the tutorial's error table.
func TestSocketErrors(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	s := server.Sockets()
	buf := make([]byte, 4)

	_, err := s.Recv(99, buf)
	assert.ErrorIs(t, err, ErrBadFD)
	_, err = s.Send(-1, buf)
	assert.ErrorIs(t, err, ErrBadFD)
	assert.ErrorIs(t, s.CloseSocket(3), ErrBadFD)

	a, _ := s.Socket()
	b, _ := s.Socket()
	c, _ := s.Socket()
	assert.Equal(t, []int{3, 4, 5}, []int{a, b, c})
	require.NoError(t, s.CloseSocket(b))
	assert.ErrorIs(t, s.CloseSocket(b), ErrBadFD, "closed twice")
	d, _ := s.Socket()
	assert.Equal(t, 4, d, "the lowest free descriptor is reused")

	assert.ErrorIs(t, s.Listen(a, 5), ErrInvalid, "listen before bind")
	_, _, err = s.Accept(a)
	assert.ErrorIs(t, err, ErrInvalid, "accept on a socket that is not listening")
	_, err = s.Send(a, buf)
	assert.ErrorIs(t, err, ErrNotConn)
	_, err = s.Recv(a, buf)
	assert.ErrorIs(t, err, ErrNotConn)
	assert.ErrorIs(t, s.Shutdown(a, ShutBoth), ErrNotConn)
	assert.ErrorIs(t, s.Bind(a, netip.AddrPortFrom(clientAddr, 80)), ErrAddrNotAvail)
	require.NoError(t, s.Bind(a, netip.AddrPortFrom(serverAddr, 80)))
	assert.ErrorIs(t, s.Bind(a, netip.AddrPortFrom(serverAddr, 81)), ErrInvalid, "bound twice")
	assert.ErrorIs(t, s.Bind(c, netip.AddrPortFrom(serverAddr, 80)), ErrAddrInUse)
	require.NoError(t, s.Listen(a, 5))
	assert.ErrorIs(t, s.Connect(a, netip.AddrPortFrom(clientAddr, 80)), ErrInvalid, "connect on a listening socket")
	assert.ErrorIs(t, s.Shutdown(a, How(7)), ErrInvalid)
	require.NoError(t, s.Bind(d, netip.AddrPort{}))
	_, err = s.Recv(d, buf)
	assert.ErrorIs(t, err, ErrNotConn)

	// Outside a process nothing blocks: accept would block, connect is in
	// progress, select may only poll.
	_, _, err = s.Accept(a)
	assert.ErrorIs(t, err, ErrWouldBlock)
	cs := client.Sockets()
	fd, _ := cs.Socket()
	assert.ErrorIs(t, cs.Connect(fd, serverPort), ErrInProgress)
	assert.ErrorIs(t, cs.Connect(fd, serverPort), ErrAlready)
	var rd FDSet
	rd.Set(a)
	forever := time.Duration(-1)
	_, err = s.Select(&rd, nil, nil, &forever)
	assert.ErrorIs(t, err, ErrInvalid)
	_, err = s.Select(&rd, nil, nil, nil)
	assert.ErrorIs(t, err, ErrInvalid, "waiting is for processes")
	rd.Set(42)
	zero := time.Duration(0)
	_, err = s.Select(&rd, nil, nil, &zero)
	assert.ErrorIs(t, err, ErrBadFD)

	w.Run()
	assert.ErrorIs(t, cs.Connect(fd, serverPort), ErrIsConn)
	nfd, remote, err := s.Accept(a)
	require.NoError(t, err)
	assert.Equal(t, 6, nfd)
	assert.Equal(t, netip.AddrPortFrom(clientAddr, FirstEphemeralPort), remote)
}

func TestErrorsArePrefixed(t *testing.T) {
	for _, err := range []error{
		ErrWouldBlock, ErrInProgress, ErrAlready, ErrConnRefused, ErrConnReset, ErrConnAborted,
		ErrTimedOut, ErrNotConn, ErrIsConn, ErrShutdown, ErrBadFD, ErrAddrNotAvail, ErrTooManyFiles,
	} {
		assert.True(t, strings.HasPrefix(err.Error(), "sim: "), err.Error())
		assert.Equal(t, strings.ToLower(err.Error()), err.Error())
	}
}

// A SYN that is never answered (no route to the address): a blocking
// connect gives up with ErrTimedOut after the SYN's retransmissions. With
// tcpstate's defaults (initial RTO 1s doubling to a 60s cap, RFC 6298
// §5.5; 7 retransmissions then one last RTO), at 1+2+4+8+16+32+60+60 =
// 183s.
func TestBlockingConnectTimesOut(t *testing.T) {
	w, client, _, _ := pair(t, 1, nil)
	var err error
	var when time.Duration
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		err = s.Connect(fd, netip.MustParseAddrPort("198.18.0.99:80"))
		when = at(w)
	})
	w.Run()
	assert.ErrorIs(t, err, ErrTimedOut)
	assert.Equal(t, 183*time.Second, when)
}

// Bind before connect picks the local port; port 0 picks an ephemeral
// one.
func TestBindThenConnect(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var remotes []netip.AddrPort
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		lfd := listenOn(t, s, 80, 5)
		for range 2 {
			_, from, err := s.Accept(lfd)
			require.NoError(t, err)
			remotes = append(remotes, from)
		}
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		a := bound(t, s, 5000)
		require.NoError(t, s.Connect(a, serverPort))
		b := bound(t, s, 0)
		require.NoError(t, s.Connect(b, serverPort))
		c, _ := s.Socket()
		assert.ErrorIs(t, s.Bind(c, netip.AddrPortFrom(clientAddr, 5000)), ErrAddrInUse)
	})
	w.Run()
	assert.Equal(t, []netip.AddrPort{
		netip.AddrPortFrom(clientAddr, 5000),
		netip.AddrPortFrom(clientAddr, FirstEphemeralPort),
	}, remotes)
}

// After Shutdown(ShutWrite) the connection may end and its handle go
// stale (here after TIME-WAIT) while the descriptor stays open: recv then
// still reports the orderly end, send the shutdown.
func TestRecvAfterConnectionGone(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	cs := client.Sockets()
	var fd int
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		sfd, _, _ := s.Accept(listenOn(t, s, 80, 5))
		n, err := s.Recv(sfd, make([]byte, 1))
		assert.Equal(t, 0, n)
		assert.NoError(t, err)
		s.CloseSocket(sfd)
	})
	w.Go(client, "client", func(p *Process) {
		fd, _ = cs.Socket()
		require.NoError(t, cs.Connect(fd, serverPort))
		require.NoError(t, cs.Shutdown(fd, ShutWrite))
	})
	w.Run() // through the client's TIME-WAIT
	assert.Greater(t, w.Elapsed(), 4*time.Minute)
	n, err := cs.Recv(fd, make([]byte, 1))
	assert.Equal(t, 0, n)
	assert.NoError(t, err)
	_, err = cs.Send(fd, []byte("x"))
	assert.ErrorIs(t, err, ErrShutdown)
	var rd, wr FDSet
	rd.Set(fd)
	wr.Set(fd)
	zero := time.Duration(0)
	n, err = cs.Select(&rd, &wr, nil, &zero)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "readable (recv returns at once) and writable (send fails at once)")
	assert.NoError(t, cs.CloseSocket(fd))
}

// A host has MaxSockets descriptors, FirstFD to MaxSockets-1.
func TestTooManySockets(t *testing.T) {
	_, client, _, _ := pair(t, 1, nil)
	s := client.Sockets()
	for want := FirstFD; want < MaxSockets; want++ {
		fd, err := s.Socket()
		require.NoError(t, err)
		require.Equal(t, want, fd)
	}
	fd, err := s.Socket()
	assert.Equal(t, -1, fd)
	assert.ErrorIs(t, err, ErrTooManyFiles)
	require.NoError(t, s.CloseSocket(500))
	fd, err = s.Socket()
	assert.NoError(t, err)
	assert.Equal(t, 500, fd)
}

// Shutdown(ShutRead) makes recv return 0 at once, also to a process
// already blocked in it.
func TestShutdownRead(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	cs := client.Sockets()
	var fd int
	var n = -1
	var err error
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		s.Accept(listenOn(t, s, 80, 5))
	})
	w.Go(client, "client", func(p *Process) {
		fd, _ = cs.Socket()
		require.NoError(t, cs.Connect(fd, serverPort))
		n, err = cs.Recv(fd, make([]byte, 1))
	})
	w.RunFor(time.Second)
	require.Len(t, w.Blocked(), 1, "the client waits in recv")
	require.NoError(t, cs.Shutdown(fd, ShutRead))
	w.RunFor(time.Second)
	assert.Empty(t, w.Blocked())
	assert.Equal(t, 0, n)
	assert.NoError(t, err)
}

// AbortSocket ends a connection with a RST (SO_LINGER 0), with nothing
// unread: the peer's next recv says "connection reset" (RFC 9293
// §3.10.7.4).
func TestAbortSocket(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	var recvErr error
	w.Go(server, "server", func(p *Process) {
		s := p.Sockets()
		fd, _, _ := s.Accept(listenOn(t, s, 80, 5))
		_, recvErr = s.Recv(fd, make([]byte, 10))
	})
	w.Go(client, "client", func(p *Process) {
		s := p.Sockets()
		fd, _ := s.Socket()
		require.NoError(t, s.Connect(fd, serverPort))
		assert.NoError(t, s.AbortSocket(fd))
	})
	w.Run()
	assert.ErrorIs(t, recvErr, ErrConnReset)
}
