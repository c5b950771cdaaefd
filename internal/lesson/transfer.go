package lesson

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/sim"
	"github.com/tcpsim/tcpsim/tcpstate"
)

// MaxTransferBytes is the largest transfer Transfer accepts: 1 GiB.
const MaxTransferBytes = 1 << 30

// TransferConfig sets up a bulk transfer.
type TransferConfig struct {
	Seed  uint64   // the world's seed; it also seeds the content
	Bytes int64    // how many bytes the client sends, 1 to MaxTransferBytes
	Path  sim.Path // the link, the same in both directions
	MSS   uint16   // announced by both hosts; 0 derives it from the MTU
	// Progress, when set, is called each time the server reads, with the
	// bytes it has received so far and the virtual time since the start.
	Progress func(received int64, elapsed time.Duration)

	// CongestionControl is the senders' algorithm, "newreno" (the
	// default when empty) or "cubic"; NoSACK turns SACK-permitted off on
	// both hosts (RFC 2018 §2: then neither uses SACK).
	CongestionControl string
	NoSACK            bool
}

// tcp is the hosts' TCP configuration.
func (cfg *TransferConfig) tcp() *tcpstate.Config {
	c := tcpConfig(cfg.MSS, nil)
	if cfg.CongestionControl != "" {
		c.CongestionControl = cfg.CongestionControl
	}
	c.SACKPermitted = !cfg.NoSACK
	return c
}

// TransferResult is what a transfer did. Times count from the client's
// connect, the world's start.
type TransferResult struct {
	Bytes    int64 // asked for
	Received int64 // the server read before the end of stream
	// Done is when the server had read the last byte; 0 if it never did.
	Done time.Duration
	// Closed is when the last of the two connections reached CLOSED. The
	// client closes first, so this normally includes its TIME-WAIT of
	// 2×MSL (RFC 9293 §3.10.8); a late duplicate the server answers with
	// a reset can end TIME-WAIT early (RFC 9293 §3.10.7.4, RFC 1337).
	Closed time.Duration

	SentSHA256, ReceivedSHA256 [sha256.Size]byte

	transferStats
}

// Match reports whether the server received exactly the bytes sent.
func (r *TransferResult) Match() bool {
	return r.Received == r.Bytes && r.SentSHA256 == r.ReceivedSHA256
}

// GoodputBPS is the payload delivered per virtual second, in bits per
// second, over the time until the server had all of it; 0 if it never
// did.
func (r *TransferResult) GoodputBPS() float64 {
	if r.Done <= 0 || !r.Match() {
		return 0
	}
	return float64(r.Bytes) * 8 / r.Done.Seconds()
}

// Transfer runs a bulk transfer in virtual time: the client (ClientAddr)
// connects to the server (ServerAddr, port ServerPort), writes cfg.Bytes
// of pseudo-random data drawn from the seed as fast as its send buffer
// takes them, and closes; the server reads until the end of the stream
// and closes. The world runs until nothing is left to happen. Both sides
// hash what they wrote and read with SHA-256.
//
// The trace is observed lightly: counters, and per data segment and per
// ACK only what the time–sequence graph needs, never the payload, and the
// client's congestion window each time it changes.
//
// The error says what went wrong: a bad config, a connection that failed
// (e.g. retransmissions exhausted), or bytes that did not arrive; the
// result is returned with it whenever the world ran.
func Transfer(cfg TransferConfig) (*TransferResult, error) {
	if cfg.Bytes <= 0 || cfg.Bytes > MaxTransferBytes {
		return nil, fmt.Errorf("lesson: transfer size %d out of range 1 to %d bytes", cfg.Bytes, MaxTransferBytes)
	}
	t := &transfer{cfg: cfg, res: &TransferResult{Bytes: cfg.Bytes}, content: newContent(cfg.Seed),
		sent: sha256.New(), recvd: sha256.New()}
	w := sim.New(sim.Config{Seed: cfg.Seed, Trace: t.observe})
	t.w = w
	client, err := w.AddHost(sim.HostConfig{Name: "client", Addr: ClientAddr, TCP: cfg.tcp()})
	if err != nil {
		return nil, err
	}
	server, err := w.AddHost(sim.HostConfig{Name: "server", Addr: ServerAddr, TCP: cfg.tcp()})
	if err != nil {
		return nil, err
	}
	t.client = client
	if _, err := w.AddLink(client, server, cfg.Path, cfg.Path); err != nil {
		return nil, err
	}
	if t.lis, err = server.Listen(ServerPort, t.accept); err != nil {
		return nil, err
	}
	if _, err = client.Dial(netip.AddrPortFrom(ServerAddr, ServerPort), sim.Handler{
		Established: t.pump,
		Writable:    t.pump,
		Closed:      t.clientClosed,
	}); err != nil {
		return nil, err
	}
	w.Run()
	copy(t.res.SentSHA256[:], t.sent.Sum(nil))
	copy(t.res.ReceivedSHA256[:], t.recvd.Sum(nil))
	t.res.Closed = t.closedAt
	if n := len(t.res.Cwnd); n > 0 {
		final := t.res.Cwnd[n-1].Cwnd
		t.res.FinalCwnd = &final
	}
	return t.res, t.check()
}

// transfer is the two applications and the trace observer of a run.
type transfer struct {
	cfg    TransferConfig
	w      *sim.World
	client *sim.Host
	lis    *sim.Listener
	res    *TransferResult

	content     *content
	pending     []byte // generated, not yet taken by Write
	generated   int64
	clientDone  bool // the client has closed
	sent, recvd hash.Hash
	readBuf     []byte
	serverEOF   bool
	failure     error // why a connection ended abnormally

	trace    traceCounter
	closedAt time.Duration
}

// pump writes as much as the send buffer takes, generating the content
// chunk by chunk, and closes once all is written (RFC 9293 §3.10.4: the
// FIN follows the queued data).
func (t *transfer) pump(c sim.Conn) {
	for !t.clientDone {
		if len(t.pending) == 0 {
			if t.generated == t.cfg.Bytes {
				t.clientDone = true
				c.Close()
				return
			}
			t.pending = t.content.next(min(contentChunk, t.cfg.Bytes-t.generated))
			t.generated += int64(len(t.pending))
			t.sent.Write(t.pending)
		}
		n, err := c.Write(t.pending)
		t.pending = t.pending[n:]
		if err != nil {
			return // the buffer is full (Writable calls again) or the connection failed (Closed says why)
		}
	}
}

func (t *transfer) clientClosed(c sim.Conn, err error) {
	if err != nil && t.failure == nil {
		t.failure = fmt.Errorf("lesson: client connection failed: %w", err)
	}
}

func (t *transfer) accept(c sim.Conn) sim.Handler {
	t.lis.Close() // one connection is all the lesson needs
	t.readBuf = make([]byte, tcpstate.DefaultConfig().RecvBuffer)
	return sim.Handler{
		Readable:   t.serverRead,
		PeerClosed: t.serverRead,
		Closed: func(c sim.Conn, err error) {
			if err != nil {
				if t.failure == nil {
					t.failure = fmt.Errorf("lesson: server connection failed: %w", err)
				}
				c.Close() // give up the handle, as after a reset
			}
		},
	}
}

// serverRead reads all there is, and closes at the end of the stream.
func (t *transfer) serverRead(c sim.Conn) {
	for !t.serverEOF {
		n, err := c.Read(t.readBuf)
		if n > 0 {
			t.recvd.Write(t.readBuf[:n])
			t.res.Received += int64(n)
			if t.res.Received >= t.cfg.Bytes && t.res.Done == 0 {
				t.res.Done = t.w.Elapsed()
			}
			if t.cfg.Progress != nil {
				t.cfg.Progress(t.res.Received, t.w.Elapsed())
			}
		}
		switch {
		case err == io.EOF:
			t.serverEOF = true
			c.Close()
		case err != nil:
			return // nothing more for now
		}
	}
}

// check says whether the run went to plan.
func (t *transfer) check() error {
	r := t.res
	switch {
	case t.failure != nil:
		return t.failure
	case r.Received != r.Bytes:
		return fmt.Errorf("lesson: the server received %d bytes of %d", r.Received, r.Bytes)
	case r.SentSHA256 != r.ReceivedSHA256:
		return errors.New("lesson: the bytes received differ from those sent (SHA-256)")
	}
	return nil
}
