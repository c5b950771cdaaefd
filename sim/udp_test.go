package sim

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/udp"
)

// udpLog records trace events with copies of the bytes they refer to.
type udpLog struct{ events []TraceEvent }

func (l *udpLog) record(e TraceEvent) {
	e.Segment.Payload = bytes.Clone(e.Segment.Payload)
	e.Data = bytes.Clone(e.Data)
	e.Datagram.Payload = bytes.Clone(e.Datagram.Payload)
	e.ICMP.Original.Payload = bytes.Clone(e.ICMP.Original.Payload)
	l.events = append(l.events, e)
}

// lines renders the datagram, ICMP and call events, one a line, as
// "time host kind event local>remote detail".
func (l *udpLog) lines() []string {
	var out []string
	for _, e := range l.events {
		at := e.Time.Sub(Epoch())
		switch e.Kind {
		case TraceDatagram:
			s := fmt.Sprintf("%v %s datagram %v %v>%v len %d", at, e.Host, e.Event, e.Local, e.Remote, e.Datagram.Len())
			if e.Event == Drop {
				s += " " + e.Reason.String()
			}
			out = append(out, s)
		case TraceICMP:
			s := fmt.Sprintf("%v %s icmp %v %v", at, e.Host, e.Event, e.ICMP)
			if e.Event == Drop {
				s += " " + e.Reason.String()
			}
			out = append(out, s)
		case TraceCall:
			out = append(out, fmt.Sprintf("%v %s call %v %v>%v %d %s", at, e.Host, e.Call, e.Local, e.Remote, e.N, e.Result()))
		}
	}
	return out
}

// udpWorld returns a world with hosts at a and b joined by path p both
// ways, traced into the returned log.
func udpWorld(t *testing.T, seed uint64, a, b string, p Path) (*World, *Host, *Host, *udpLog) {
	t.Helper()
	lg := &udpLog{}
	w := New(Config{Seed: seed, Trace: lg.record})
	c, err := w.AddHost(HostConfig{Name: "client", Addr: netip.MustParseAddr(a)})
	require.NoError(t, err)
	s, err := w.AddHost(HostConfig{Name: "server", Addr: netip.MustParseAddr(b)})
	require.NoError(t, err)
	_, err = w.AddLink(c, s, p, p)
	require.NoError(t, err)
	return w, c, s, lg
}

// echoUDP binds an echo server on port 7 of s.
func echoUDP(t *testing.T, s *Host) UDPSocket {
	t.Helper()
	sock, err := s.BindUDP(7, UDPHandler{Readable: func(u UDPSocket) {
		buf := make([]byte, 2048)
		for {
			n, from, err := u.ReadFrom(buf)
			if err != nil {
				return
			}
			u.SendTo(buf[:n], from)
		}
	}})
	require.NoError(t, err)
	return sock
}

func TestUDPRequestResponse(t *testing.T) {
	w, c, s, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay})
	echoUDP(t, s)
	var got []string
	cl, err := c.BindUDP(0, UDPHandler{Readable: func(u UDPSocket) {
		buf := make([]byte, 64)
		n, from, err := u.ReadFrom(buf)
		require.NoError(t, err)
		got = append(got, fmt.Sprintf("%q from %v", buf[:n], from))
	}})
	require.NoError(t, err)
	assert.Equal(t, netip.MustParseAddrPort("198.18.0.1:49152"), cl.LocalAddr(), "first ephemeral port, RFC 6335 §6")
	_, err = cl.SendTo([]byte("ping"), netip.MustParseAddrPort("198.18.0.2:7"))
	require.NoError(t, err)
	w.Run()

	assert.Equal(t, []string{`"ping" from 198.18.0.2:7`}, got)
	// No handshake: the request leaves at once, one way is 50 ms, the
	// answer is back after one round trip. len is 8 + 4 bytes.
	assert.Equal(t, []string{
		"0s client call send 198.18.0.1:49152>198.18.0.2:7 4 ok",
		"0s client datagram send 198.18.0.1:49152>198.18.0.2:7 len 12",
		"50ms server datagram recv 198.18.0.2:7>198.18.0.1:49152 len 12",
		"50ms server call recv 198.18.0.2:7>198.18.0.1:49152 4 ok",
		"50ms server call send 198.18.0.2:7>198.18.0.1:49152 4 ok",
		"50ms server datagram send 198.18.0.2:7>198.18.0.1:49152 len 12",
		"50ms server call recv 198.18.0.2:7>invalid AddrPort 0 would-block",
		"100ms client datagram recv 198.18.0.1:49152>198.18.0.2:7 len 12",
		"100ms client call recv 198.18.0.1:49152>198.18.0.2:7 4 ok",
	}, lg.lines())
	st := w.Stats()
	assert.Equal(t, uint64(2), st.Segments, "two transmissions")
	assert.Equal(t, uint64(2), st.Delivered)
}

func TestUDPClosedPortRefusesConnectedSocket(t *testing.T) {
	w, c, _, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay})
	var errs []error
	cl, err := c.BindUDP(5000, UDPHandler{Error: func(_ UDPSocket, err error) { errs = append(errs, err) }})
	require.NoError(t, err)
	require.NoError(t, cl.Connect(netip.MustParseAddrPort("198.18.0.2:9")))
	_, err = cl.Send([]byte("anyone?"))
	require.NoError(t, err)
	w.Run()

	assert.Equal(t, []error{udp.ErrRefused}, errs, "RFC 1122 §4.1.3.3: ICMP errors reach the application")
	assert.Equal(t, []string{
		"0s client call connect 198.18.0.1:5000>198.18.0.2:9 0 ok",
		"0s client call send 198.18.0.1:5000>198.18.0.2:9 7 ok",
		"0s client datagram send 198.18.0.1:5000>198.18.0.2:9 len 15",
		"50ms server datagram drop 198.18.0.2:9>198.18.0.1:5000 len 15 port-unreachable",
		"50ms server icmp send 198.18.0.2 > 198.18.0.1 port unreachable for 198.18.0.1:5000 > 198.18.0.2:9",
		"100ms client icmp recv 198.18.0.2 > 198.18.0.1 port unreachable for 198.18.0.1:5000 > 198.18.0.2:9",
	}, lg.lines())
	// The ICMP message: RFC 792 type 3 code 3, quoting the UDP header.
	var icmp []ICMPMessage
	for _, e := range lg.events {
		if e.Kind == TraceICMP && e.Event == Recv {
			icmp = append(icmp, e.ICMP)
		}
	}
	require.Len(t, icmp, 1)
	assert.Equal(t, uint8(3), icmp[0].Type)
	assert.Equal(t, uint8(3), icmp[0].Code)
	// 8 + 7 bytes; the checksum as the client's udp.Encode computed it.
	wire, err := udp.Encode(udp.Datagram{Src: cl.LocalAddr(), Dst: cl.RemoteAddr(), Payload: []byte("anyone?")})
	require.NoError(t, err)
	quoted, err := udp.ParseHeader(wire)
	require.NoError(t, err)
	assert.Equal(t, udp.Header{SrcPort: 5000, DstPort: 9, Length: 15, Checksum: quoted.Checksum}, icmp[0].Quoted)
	assert.Empty(t, icmp[0].Original.Payload, "RFC 792: header + 64 bits of data, the UDP header only")
	assert.Equal(t, 8+20+8, icmp[0].Len())

	_, err = cl.Send([]byte("again"))
	assert.ErrorIs(t, err, udp.ErrRefused, "reported on the next call")
	_, err = cl.Send([]byte("again"))
	assert.NoError(t, err, "once")
}

func TestUDPClosedPortIgnoredByUnconnectedSocket(t *testing.T) {
	w, c, _, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay})
	called := false
	cl, err := c.BindUDP(5000, UDPHandler{Error: func(UDPSocket, error) { called = true }})
	require.NoError(t, err)
	_, err = cl.SendTo([]byte("anyone?"), netip.MustParseAddrPort("198.18.0.2:9"))
	require.NoError(t, err)
	w.Run()
	assert.Contains(t, lg.lines(), "100ms client icmp recv 198.18.0.2 > 198.18.0.1 port unreachable for 198.18.0.1:5000 > 198.18.0.2:9")
	assert.False(t, called)
	_, err = cl.SendTo([]byte("anyone?"), netip.MustParseAddrPort("198.18.0.2:9"))
	assert.NoError(t, err, "BSD and Linux report ICMP errors to connected sockets only")
	assert.Zero(t, cl.Stats().Errors)
}

func TestUDPConnectedSocketRefusesStrangers(t *testing.T) {
	w, c, s, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay})
	srv, err := s.BindUDP(7, UDPHandler{})
	require.NoError(t, err)
	require.NoError(t, srv.Connect(netip.MustParseAddrPort("198.18.0.1:1111")))
	stranger, err := c.BindUDP(2222, UDPHandler{})
	require.NoError(t, err)
	_, err = stranger.SendTo([]byte("x"), srv.LocalAddr())
	require.NoError(t, err)
	w.Run()
	assert.Contains(t, lg.lines(), "50ms server datagram drop 198.18.0.2:7>198.18.0.1:2222 len 9 port-unreachable")
	assert.False(t, srv.s.ep.Readable())
}

func TestUDPQueueBoundDropsCounted(t *testing.T) {
	w, c, s, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay})
	srv, err := s.BindUDPConfig(UDPConfig{Port: 7, MaxDatagrams: 2}, UDPHandler{}) // never reads
	require.NoError(t, err)
	cl, err := c.BindUDP(0, UDPHandler{})
	require.NoError(t, err)
	for i := range 5 {
		_, err := cl.SendTo([]byte{byte(i)}, srv.LocalAddr())
		require.NoError(t, err)
	}
	w.Run()
	st := srv.Stats()
	assert.Equal(t, uint64(2), st.Received)
	assert.Equal(t, uint64(3), st.QueueFull)
	assert.Equal(t, uint64(3), w.Stats().Dropped)
	drops := 0
	for _, l := range lg.lines() {
		if strings.HasSuffix(l, "rcvbuf") {
			drops++
		}
	}
	assert.Equal(t, 3, drops)
	// The first two are kept, in order.
	buf := make([]byte, 4)
	for want := range 2 {
		n, _, err := srv.ReadFrom(buf)
		require.NoError(t, err)
		assert.Equal(t, []byte{byte(want)}, buf[:n])
	}
	_, _, err = srv.ReadFrom(buf)
	assert.ErrorIs(t, err, udp.ErrWouldBlock)
}

func TestUDPPathImpairmentsApply(t *testing.T) {
	// The second packet entering the path is dropped by a scripted fault;
	// the others arrive, so datagrams go through the links' pipeline.
	p := Path{Delay: delay, Faults: []Fault{DropNth(2)}}
	w, c, s, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", p)
	srv, err := s.BindUDP(7, UDPHandler{})
	require.NoError(t, err)
	cl, err := c.BindUDP(0, UDPHandler{})
	require.NoError(t, err)
	for range 3 {
		cl.SendTo([]byte("x"), srv.LocalAddr())
	}
	w.Run()
	assert.Contains(t, lg.lines(), "0s client datagram drop 198.18.0.1:49152>198.18.0.2:7 len 9 fault")
	assert.Equal(t, uint64(2), srv.Stats().Received)
}

func TestUDPIPv6PortUnreachable(t *testing.T) {
	w, c, _, lg := udpWorld(t, 1, "2001:db8::1", "2001:db8::2", Path{Delay: delay})
	var errs []error
	cl, err := c.BindUDP(5000, UDPHandler{Error: func(_ UDPSocket, err error) { errs = append(errs, err) }})
	require.NoError(t, err)
	require.NoError(t, cl.Connect(netip.MustParseAddrPort("[2001:db8::2]:9")))
	payload := make([]byte, 1500)
	_, err = cl.Send(payload)
	require.NoError(t, err)
	w.Run()
	assert.Equal(t, []error{udp.ErrRefused}, errs)
	var m ICMPMessage
	for _, e := range lg.events {
		if e.Kind == TraceICMP && e.Event == Recv {
			m = e.ICMP
		}
	}
	// RFC 4443 §3.1: type 1 code 4, quoting as much as keeps the message
	// within the minimum MTU: 1280 - 40 - 8 - 40 - 8 = 1184 bytes of data.
	assert.Equal(t, uint8(1), m.Type)
	assert.Equal(t, uint8(4), m.Code)
	assert.Len(t, m.Original.Payload, 1184)
	assert.Equal(t, 1280, ipv6HeaderLen+m.Len())
}

func TestUDPBindErrorsAndPorts(t *testing.T) {
	_, c, s, _ := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay})
	_, err := s.BindUDP(7, UDPHandler{})
	require.NoError(t, err)
	_, err = s.BindUDP(7, UDPHandler{})
	assert.ErrorIs(t, err, ErrAddrInUse)
	// UDP and TCP ports are separate spaces.
	_, err = s.Listen(7, func(Conn) Handler { return Handler{} })
	assert.NoError(t, err)
	a, err := c.BindUDP(0, UDPHandler{})
	require.NoError(t, err)
	b, err := c.BindUDP(0, UDPHandler{})
	require.NoError(t, err)
	assert.Equal(t, uint16(49152), a.LocalAddr().Port())
	assert.Equal(t, uint16(49153), b.LocalAddr().Port())
	require.NoError(t, a.Close())
	assert.ErrorIs(t, a.Close(), udp.ErrClosed)
	_, _, err = a.ReadFrom(nil)
	assert.ErrorIs(t, err, udp.ErrClosed)
	assert.False(t, a.Valid())
	_, err = c.BindUDP(49152, UDPHandler{})
	assert.NoError(t, err, "a closed socket frees its port")
	_, err = UDPSocket{}.Send(nil)
	assert.ErrorIs(t, err, udp.ErrClosed)
}

// lossyRun plays a request/response over a path with loss, jitter and
// duplication, and returns the whole trace as text.
func lossyRun(t *testing.T, seed uint64) string {
	p := Path{Delay: delay, Jitter: 20 * time.Millisecond, Loss: 0.2, Duplicate: 0.1}
	w, c, s, lg := udpWorld(t, seed, "198.18.0.1", "198.18.0.2", p)
	echoUDP(t, s)
	cl, err := c.BindUDP(0, UDPHandler{Readable: func(u UDPSocket) { u.ReadFrom(make([]byte, 64)) }})
	require.NoError(t, err)
	for i := range 20 {
		cl.SendTo([]byte(fmt.Sprint("request ", i)), netip.MustParseAddrPort("198.18.0.2:7"))
		cl.SendTo([]byte("x"), netip.MustParseAddrPort("198.18.0.2:9"))
	}
	w.Run()
	var b strings.Builder
	for _, e := range lg.events {
		fmt.Fprintf(&b, "%v %s %v %v %v %d %v %v %v %v %q %v %q %d\n", e.Time.Sub(Epoch()), e.Host, e.Kind, e.Local, e.Remote,
			e.Packet, e.Event, e.Reason, e.Original, e.Datagram, e.Datagram.Payload, e.ICMP, e.Data, e.N)
	}
	return b.String()
}

func TestUDPSameSeedSameTrace(t *testing.T) {
	a, b := lossyRun(t, 7), lossyRun(t, 7)
	require.Contains(t, a, "loss", "the path lost something")
	require.Contains(t, a, "icmp")
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, lossyRun(t, 8), "another seed draws other losses")
}

func TestUDPCorruptedDatagramDroppedByReceiver(t *testing.T) {
	// RFC 1122 §4.1.3.4: a datagram with a bad checksum is silently
	// discarded: no delivery, and no ICMP error either (its port is closed).
	w, c, _, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay, Corrupt: 1})
	cl, err := c.BindUDP(0, UDPHandler{})
	require.NoError(t, err)
	cl.SendTo([]byte("x"), netip.MustParseAddrPort("198.18.0.2:9"))
	w.Run()
	assert.Equal(t, []string{
		"0s client call send 198.18.0.1:49152>198.18.0.2:9 1 ok",
		"0s client datagram send 198.18.0.1:49152>198.18.0.2:9 len 9",
		"50ms server datagram drop 198.18.0.2:9>198.18.0.1:49152 len 9 checksum",
	}, lg.lines())
}

func TestUDPLargerThanMTUDropped(t *testing.T) {
	// 20 (IPv4) + 8 (UDP) + 1473 = 1501 bytes: one too many for 1500.
	w, c, s, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay, MTU: 1500})
	srv, err := s.BindUDP(7, UDPHandler{})
	require.NoError(t, err)
	cl, err := c.BindUDP(0, UDPHandler{})
	require.NoError(t, err)
	cl.SendTo(make([]byte, 1473), srv.LocalAddr())
	cl.SendTo(make([]byte, 1472), srv.LocalAddr())
	w.Run()
	assert.Contains(t, lg.lines(), "0s client datagram drop 198.18.0.1:49152>198.18.0.2:7 len 1481 mtu")
	assert.Equal(t, uint64(1), srv.Stats().Received)
}

func TestUDPPacketSizes(t *testing.T) {
	// IPv4 20 + UDP 8 + data; the ICMP error: IPv4 20 + ICMP 8 + the
	// quoted IPv4 header 20 + UDP header 8 (RFC 792).
	d := udp.Datagram{Src: netip.MustParseAddrPort("198.18.0.1:1"), Dst: netip.MustParseAddrPort("198.18.0.2:2"), Payload: make([]byte, 4)}
	m := udpMsg{kind: udpDatagram, dgram: d}
	assert.Equal(t, 32, m.size())
	m = udpMsg{kind: udpICMP, icmp: portUnreachable(netip.MustParseAddr("198.18.0.2"), &d, nil)}
	assert.Equal(t, 56, m.size())
	// IPv6 40 + UDP 8 + data.
	d6 := udp.Datagram{Src: netip.MustParseAddrPort("[2001:db8::1]:1"), Dst: netip.MustParseAddrPort("[2001:db8::2]:2"), Payload: make([]byte, 4)}
	m = udpMsg{kind: udpDatagram, dgram: d6}
	assert.Equal(t, 52, m.size())
	// ICMPv6: 40 + 8 + 40 + 8 + the 4 bytes of data quoted.
	m = udpMsg{kind: udpICMP, icmp: portUnreachable(netip.MustParseAddr("2001:db8::2"), &d6, nil)}
	assert.Equal(t, 100, m.size())
	// An IPv4-mapped address travels as IPv4 (RFC 4291 §2.5.5.2), as it
	// does for TCP.
	dm := udp.Datagram{Src: netip.MustParseAddrPort("[::ffff:198.18.0.1]:1"), Dst: netip.MustParseAddrPort("[::ffff:198.18.0.2]:2"), Payload: make([]byte, 4)}
	m = udpMsg{kind: udpDatagram, dgram: dm}
	assert.Equal(t, 32, m.size())
}

func TestUDPSerializedAtPathRate(t *testing.T) {
	// 32 bytes = 256 bits at 8000 bit/s take 32 ms to serialize, then
	// 50 ms to propagate; the ICMP error (56 bytes = 448 bits) takes 56 ms
	// on the way back: 82 ms, 82 + 56 + 50 = 188 ms.
	w, c, _, lg := udpWorld(t, 1, "198.18.0.1", "198.18.0.2", Path{Delay: delay, Rate: 8000})
	cl, err := c.BindUDP(5000, UDPHandler{})
	require.NoError(t, err)
	cl.SendTo(make([]byte, 4), netip.MustParseAddrPort("198.18.0.2:9"))
	w.Run()
	lines := lg.lines()
	assert.Contains(t, lines, "82ms server datagram drop 198.18.0.2:9>198.18.0.1:5000 len 12 port-unreachable")
	assert.Contains(t, lines, "188ms client icmp recv 198.18.0.2 > 198.18.0.1 port unreachable for 198.18.0.1:5000 > 198.18.0.2:9")
}
