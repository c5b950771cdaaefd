package tcpstate

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// SYNCookies lets a listener answer a SYN without keeping any state, when
// its backlog is full (RFC 4987 §3.6): the SYN-ACK's ISN is a cookie,
// a keyed hash of the 4-tuple, the client's ISN and a coarse clock, with
// the client's MSS in three bits. The ACK that completes the handshake
// carries the cookie back as SEG.ACK - 1; if it checks out, the
// connection is rebuilt from it. What the cookie cannot hold is lost, as
// RFC 4987 §3.6 says: the connection has no window scaling, SACK or
// timestamps, and its MSS is one of eight values.
//
// The zero value is not usable; make one with NewSYNCookies.
type SYNCookies struct {
	secret  [16]byte
	scratch Conn // builds the SYN-ACKs: Reply makes no connection of its own
}

// cookiePeriod is the tick of the cookie's clock; a cookie is accepted
// for between one and two ticks after its SYN-ACK left.
const cookiePeriod = 64 * time.Second

// cookieMSS are the MSS values a cookie can carry: the largest not above
// the client's MSS is used (536 is the default of RFC 9293 §3.7.1).
var cookieMSS = [8]uint16{536, 1024, 1200, 1220, 1300, 1400, 1440, 1460}

// Errors of SYN cookie handling.
var (
	ErrNotCookie = errors.New("tcpstate: the ACK does not carry a valid SYN cookie")
	errNoSecret  = errors.New("tcpstate: SYN cookies need a secret")
)

// NewSYNCookies returns cookies keyed by secret, which must not be zero
// and should be drawn at random once per listener or host.
func NewSYNCookies(secret [16]byte) (*SYNCookies, error) {
	if secret == ([16]byte{}) {
		return nil, errNoSecret
	}
	return &SYNCookies{secret: secret}, nil
}

// cookie is the ISN for a SYN from remote to local with ISN irs at clock
// tick t: 5 bits of t, 3 bits of MSS index, 24 bits of hash.
func (k *SYNCookies) cookie(local, remote netip.AddrPort, irs seqnum.Value, t uint32, mssIndex int) seqnum.Value {
	var msg [tupleLen + 8]byte
	putTuple(msg[:], 2, local, remote) // domain 2: apart from the ISN and timestamp hashes
	binary.BigEndian.PutUint32(msg[tupleLen:], uint32(irs))
	binary.BigEndian.PutUint32(msg[tupleLen+4:], t)
	h := uint32(sipHash24(k.secret, msg[:])) & 0xffffff
	return seqnum.Value(t%32<<27 | uint32(mssIndex)<<24 | h)
}

// cookieTick is the cookie's clock at now.
func cookieTick(now time.Time) uint32 { return uint32(now.Unix() / int64(cookiePeriod/time.Second)) }

// Reply returns the SYN-ACK that answers syn with a cookie, as a
// connection with cfg in LISTEN would send it if the SYN had offered no
// option but the MSS. ok is false if syn is not a SYN alone.
func (k *SYNCookies) Reply(now time.Time, cfg Config, syn Segment) (synAck Segment, ok bool) {
	if syn.Flags&(SYN|ACK|RST|FIN) != SYN {
		return Segment{}, false
	}
	mss := uint16(536)
	if syn.Options.HasMSS {
		mss = syn.Options.MSS
	}
	idx := 0
	for i, m := range cookieMSS {
		if m <= mss {
			idx = i
		}
	}
	iss := k.cookie(syn.Dst, syn.Src, syn.Seq, cookieTick(now), idx)
	return k.rebuild(now, cfg, syn.Dst, syn.Src, syn.Seq, iss, cookieMSS[idx], syn.Window)
}

// Open checks that ack completes a handshake whose SYN-ACK Reply made,
// and if so brings c, a connection made with the listener's config and not
// yet used, to where answering the SYN itself would have left it:
// SYN-RECEIVED, its SYN-ACK sent. The driver then hands ack to
// c.HandleSegment like any segment, which completes the handshake (RFC
// 9293 §3.10.7.4). Otherwise c is untouched and the error is ErrNotCookie.
func (k *SYNCookies) Open(now time.Time, c *Conn, ack Segment) error {
	if ack.Flags&(SYN|ACK|RST) != ACK {
		return ErrNotCookie
	}
	iss, irs := ack.Ack.Add(^seqnum.Size(0)), ack.Seq.Add(^seqnum.Size(0))
	v := uint32(iss)
	idx, tick := int(v>>24&7), v>>27
	valid := false
	for age := range uint32(2) { // this tick or the one before
		t := cookieTick(now) - age
		if t%32 == tick && k.cookie(ack.Dst, ack.Src, irs, t, idx) == iss {
			valid = true
		}
	}
	if !valid {
		return ErrNotCookie
	}
	if err := c.Listen(now, ack.Dst); err != nil {
		return err
	}
	isn, trace := c.cfg.ISN, c.cfg.Trace
	c.cfg.Trace = nil // Config.Trace sees the ACK arrive in SYN-RECEIVED
	c.cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return iss }
	c.HandleSegment(now, Segment{Src: ack.Src, Dst: ack.Dst, Seq: irs, Flags: SYN, Window: ack.Window,
		Options: Options{HasMSS: true, MSS: cookieMSS[idx]}})
	c.cfg.ISN, c.cfg.Trace = isn, trace
	for { // the SYN-ACK left long ago, as the cookie
		if _, ok := c.Poll(now); !ok {
			break
		}
	}
	return nil
}

// rebuild runs the scratch connection through LISTEN and a SYN with only
// the MSS option, with iss for ISN, and returns its SYN-ACK.
func (k *SYNCookies) rebuild(now time.Time, cfg Config, local, remote netip.AddrPort, irs, iss seqnum.Value,
	mss, window uint16) (Segment, bool) {
	cfg.Trace = nil
	cfg.ISN = func(time.Time, netip.AddrPort, netip.AddrPort) seqnum.Value { return iss }
	c := &k.scratch
	if c.Reset(cfg) != nil || c.Listen(now, local) != nil {
		return Segment{}, false
	}
	c.HandleSegment(now, Segment{Src: remote, Dst: local, Seq: irs, Flags: SYN, Window: window,
		Options: Options{HasMSS: true, MSS: mss}})
	seg, ok := c.Poll(now)
	if !ok || seg.Flags&(SYN|ACK) != SYN|ACK {
		return Segment{}, false
	}
	return seg, true
}
