package tcpstate_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// FuzzHandleSegment decodes the fuzzer's bytes into a sequence of inputs
// to two connections, A and B (see fzRun for the encoding): real segments
// delivered or dropped, forged segments with any flags, sequence and
// acknowledgment numbers (relative to what the connection expects, or
// absolute), windows, data and options, steps of virtual time, and
// application calls. The world of invariants_test.go checks the RFC 9293
// invariants after every input; nothing may panic.
//
//	go test ./tcpstate -run '^$' -fuzz FuzzHandleSegment -fuzztime 60s
//
// The seed corpus, testdata/fuzz/FuzzHandleSegment, is generated from
// fzSeeds below (TestFuzzSeeds checks that it is up to date and that each
// seed does what its name says).
func FuzzHandleSegment(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fzRun(t, data)
	})
}

// fzMaxOps and fzMaxSegments bound the work per input.
const (
	fzMaxOps      = 400
	fzMaxSegments = 5000
)

// The operations, one byte each (modulo fzNumOps), followed by their
// arguments.
const (
	fzDeliverA = iota // deliver the oldest segment A sent to B
	fzDeliverB        // ... B sent to A
	fzDropA           // lose the oldest segment A sent
	fzDropB
	fzAdvance // 1 byte: 0 up to the next deadline; <200: n×10 ms; else (n-199)×10 s
	fzFlush   // deliver everything in flight (at most 64 segments)
	fzInjectA // a forged segment to A, see fzSegment
	fzInjectB // ... to B
	fzAppA    // 2 bytes: call (write, read, close, abort, reopen, early timeout) and its size
	fzAppB
	fzNumOps
)

// fzReader hands out the fuzz bytes, zeros once they run out.
type fzReader struct{ b []byte }

func (r *fzReader) u8() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fzReader) u16() uint16 { return uint16(r.u8())<<8 | uint16(r.u8()) }
func (r *fzReader) u32() uint32 { return uint32(r.u16())<<16 | uint32(r.u16()) }

// fzRun runs data and returns the world it drove and the verdicts on the
// forged segments. The first two bytes
// choose the configuration:
//
//	byte 0: bits 0-2 A offers wscale, SACK, timestamps; bits 3-5 the same
//	        for B; bit 6 simultaneous open (both Connect) instead of B
//	        listening; bit 7 B listens on the unspecified address
//	byte 1: bits 0-1 A's receive buffer (65535, 100, 1 MiB if A scales or
//	        else 3000, 1); bits 2-3 B's; bits 4-5 the MSS of both (default,
//	        536, 64, 1); bits 6-7 the send buffer of both (4096, 100, 1, 1000)
func fzRun(t *testing.T, data []byte) (*propWorld, []tcpstate.Verdict) {
	r := &fzReader{b: data}
	h0, h1 := r.u8(), r.u8()
	w := propNewWorld(t, fzConfigs(h0, h1), fzISS)
	fzOpen(w, h0)
	return w, fzOps(w, r)
}

// fzISS are the ISNs of A and B, close below 2^32 so that sequence numbers
// wrap.
var fzISS = [2]seqnum.Value{0xffffff00, 0xfffffff0}

// fzConfigs decodes the configuration bytes.
func fzConfigs(h0, h1 byte) [2]tcpstate.Config {
	var cfgs [2]tcpstate.Config
	for i := range cfgs {
		cfg := tcpstate.DefaultConfig()
		opts := h0 >> (3 * i)
		cfg.WindowScale, cfg.SACKPermitted, cfg.Timestamps = opts&1 != 0, opts&2 != 0, opts&4 != 0
		cfg.RecvBuffer = []int{65535, 100, 3000, 1}[h1>>(2*i)&3]
		if h1>>(2*i)&3 == 2 && cfg.WindowScale {
			cfg.RecvBuffer = 1 << 20
		}
		cfg.MSS = []uint16{0, 536, 64, 1}[h1>>4&3]
		cfg.SendBuffer = []int{4096, 100, 1, 1000}[h1>>6&3]
		cfg.MSL = 10 * time.Second
		cfg.MaxRTO = 8 * time.Second
		cfg.SynRetries, cfg.DataRetries = 3, 4
		cfg.Trace = func(tcpstate.TraceEvent) {} // recorded and checked by the world
		cfgs[i] = cfg
	}
	return cfgs
}

// fzOpen opens both ends as the first configuration byte says.
func fzOpen(w *propWorld, h0 byte) {
	if h0&(1<<6) != 0 {
		w.connect(0)
		w.connect(1)
	} else {
		w.listen(1, propListenAddr(w, h0&(1<<7) != 0))
		w.connect(0)
	}
}

// fzOps runs the operations of r on w and returns the verdicts on the
// forged segments.
func fzOps(w *propWorld, r *fzReader) []tcpstate.Verdict {
	var forged []tcpstate.Verdict
	for op := 0; op < fzMaxOps && len(r.b) > 0 && w.sent < fzMaxSegments; op++ {
		switch r.u8() % fzNumOps {
		case fzDeliverA:
			w.deliver(0)
		case fzDeliverB:
			w.deliver(1)
		case fzDropA:
			w.drop(0)
		case fzDropB:
			w.drop(1)
		case fzAdvance:
			w.advance(fzDuration(w, r.u8()))
		case fzFlush:
			w.flush(64)
		case fzInjectA:
			forged = append(forged, w.handle(0, fzSegment(r, w, 0)))
		case fzInjectB:
			forged = append(forged, w.handle(1, fzSegment(r, w, 1)))
		case fzAppA:
			fzApp(r, w, 0)
		case fzAppB:
			fzApp(r, w, 1)
		}
	}
	return forged
}

// fzDuration decodes a step of virtual time.
func fzDuration(w *propWorld, b byte) time.Duration {
	switch {
	case b == 0:
		if next := w.nextTimeout(); !next.IsZero() {
			return next.Sub(w.now)
		}
		return time.Second
	case b < 200:
		return time.Duration(b) * 10 * time.Millisecond
	default:
		return time.Duration(b-199) * 10 * time.Second
	}
}

// fzApp decodes an application call on end i: a call byte, then a size
// byte (×16 bytes for Write and Read).
func fzApp(r *fzReader, w *propWorld, i int) {
	call, size := r.u8(), int(r.u8())*16
	switch call % 6 {
	case 0:
		w.write(i, size)
	case 1:
		w.readN(i, size)
	case 2:
		w.close(i)
	case 3:
		w.abort(i)
	case 4:
		if w.ends[i].opened {
			w.reopen(i, size&16 != 0)
		}
	default:
		if next := w.ends[i].c.NextTimeout(); next.IsZero() || next.After(w.now) {
			w.spurious(i)
		}
	}
}

// fzSegment decodes a segment forged from the peer's address to end i:
//
//	flags (1 byte, any bits)
//	SEG.SEQ: mode (1 byte, high 3 bits) and delta (1 byte, signed) from
//	  RCV.NXT, RCV.NXT+RCV.WND, IRS, the peer's SND.NXT, an absolute
//	  4-byte value, RCV.NXT+2^31, RCV.NXT-RCV.WND, or RCV.NXT-65536
//	SEG.ACK: the same from SND.NXT, SND.UNA, ISS, SND.UNA-SND.WND, an
//	  absolute value, the peer's RCV.NXT, SND.NXT+2^31, SND.UNA-65536
//	window (2 bytes), data length (1 byte: <128 as is, else (n-128)×32)
//	options (1 byte: bits for TSopt, MSS, wscale, sackOK, SACK blocks),
//	  then TSval delta from TS.Recent (1 byte, signed), MSS (2 bytes),
//	  shift (1 byte), each only if its bit is set
func fzSegment(r *fzReader, w *propWorld, i int) tcpstate.Segment {
	tcb := w.ends[i].c.TCB()
	peer := w.ends[1-i].c.TCB()
	seg := tcpstate.Segment{Src: w.addrs[1-i], Dst: w.addrs[i], Flags: tcpstate.Flags(r.u8())}
	wnd := seqnum.Size(tcb.RcvWnd)
	seqBases := [8]seqnum.Value{tcb.RcvNxt, tcb.RcvNxt.Add(wnd), tcb.IRS, peer.SndNxt, 0, tcb.RcvNxt.Add(1 << 31), tcb.RcvNxt.Sub(wnd), tcb.RcvNxt.Sub(65536)}
	seg.Seq = fzRelative(r, seqBases)
	ackBases := [8]seqnum.Value{tcb.SndNxt, tcb.SndUna, tcb.ISS, tcb.SndUna.Sub(seqnum.Size(tcb.SndWnd)), 0, peer.RcvNxt, tcb.SndNxt.Add(1 << 31), tcb.SndUna.Sub(65536)}
	seg.Ack = fzRelative(r, ackBases)
	seg.Window = r.u16()
	n := int(r.u8())
	if n >= 128 {
		n = (n - 128) * 32
	}
	if n > 0 {
		seg.Payload = make([]byte, n)
		for k := range seg.Payload {
			seg.Payload[k] = byte(k)
		}
	}
	o := &seg.Options
	bits := r.u8()
	if bits&1 != 0 {
		o.HasTimestamps = true
		o.TSVal = tcb.TSRecent + uint32(int32(int8(r.u8())))
		o.TSEcr = peer.TSRecent
	}
	if bits&2 != 0 {
		o.HasMSS, o.MSS = true, r.u16()
	}
	if bits&4 != 0 {
		o.HasWindowScale, o.WindowScale = true, r.u8()
	}
	o.SACKPermitted = bits&8 != 0
	if bits&16 != 0 {
		o.NumSACK = 1 + bits>>5&3
		for b := range o.SACKBlocks[:o.NumSACK] {
			left := tcb.SndUna.Add(seqnum.Size(100 * b))
			o.SACKBlocks[b] = tcpstate.SACKBlock{Left: left, Right: left.Add(50)}
		}
	}
	if seg.Flags&tcpstate.URG != 0 {
		seg.Urgent = 1
	}
	return seg
}

// fzRelative decodes a mode byte and a signed delta against bases; mode 4
// reads an absolute value instead.
func fzRelative(r *fzReader, bases [8]seqnum.Value) seqnum.Value {
	mode := r.u8() >> 5
	if mode == 4 {
		return seqnum.Value(r.u32())
	}
	return bases[mode] + seqnum.Value(int32(int8(r.u8())))
}

// ---- the seed corpus ----

// fzUpdate rewrites the seed corpus from fzSeeds.
var fzUpdate = flag.Bool("fuzz-corpus-update", false, "rewrite testdata/fuzz/FuzzHandleSegment from fzSeeds")

// fzSeed builds fuzz input with the encoding of fzRun.
type fzSeed []byte

func (s fzSeed) op(op int, args ...byte) fzSeed { return append(append(s, byte(op)), args...) }
func (s fzSeed) flush() fzSeed                  { return s.op(fzFlush) }
func (s fzSeed) advance(code byte) fzSeed       { return s.op(fzAdvance, code) }
func (s fzSeed) app(i, call, size int) fzSeed   { return s.op(fzAppA+i, byte(call), byte(size)) }

// inject forges a segment to end i: seq and ack are (mode<<5, delta)
// pairs as fzSegment reads them, no data, window 65535.
func (s fzSeed) inject(i int, flags tcpstate.Flags, seqMode byte, seqDelta int8, ackMode byte, ackDelta int8, opts byte, optArgs ...byte) fzSeed {
	s = s.op(fzInjectA+i, byte(flags), seqMode<<5, byte(seqDelta), ackMode<<5, byte(ackDelta), 0xff, 0xff, 0, opts)
	return append(s, optArgs...)
}

// fzSeeds are meaningful starting points for the fuzzer, each with the
// states both ends must be in at the end and the verdicts on its forged
// segments.
var fzSeeds = []struct {
	name     string
	data     fzSeed
	want     [2]tcpstate.State
	verdicts []tcpstate.Verdict
}{
	{"handshake", fzSeed{0, 0}.flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, nil},
	{"handshake-all-options", fzSeed{0x3f, 0x0a}.flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, nil},
	{"simultaneous-open", fzSeed{0x40, 0}.op(fzDeliverA).op(fzDeliverB).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, nil},
	{"lost-syn-ack", fzSeed{0, 0}.op(fzDeliverA).op(fzDropB).advance(0).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, nil},
	// RFC 9293 §3.10.7.4 / RFC 5961 §3.2: a RST exactly at RCV.NXT resets.
	{"rst-in-established", fzSeed{0, 0}.flush().inject(1, tcpstate.RST, 0, 0, 0, 0, 0).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Closed}, []tcpstate.Verdict{tcpstate.Reset}},
	// RFC 5961 §3.2: in the window but not at RCV.NXT: challenge ACK.
	{"rst-in-window", fzSeed{0, 0}.flush().inject(1, tcpstate.RST, 0, 1, 0, 0, 0).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, []tcpstate.Verdict{tcpstate.ChallengeACK}},
	// RFC 5961 §4.2: SYN in a synchronized state: challenge ACK.
	{"syn-in-established", fzSeed{0, 0}.flush().inject(1, tcpstate.SYN, 0, 0, 0, 0, 0).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, []tcpstate.Verdict{tcpstate.ChallengeACK}},
	// RFC 9293 §3.10.7.2: an ACK in LISTEN is answered <SEQ=SEG.ACK><CTL=RST>.
	{"ack-in-listen", fzSeed{0, 0}.inject(1, tcpstate.ACK, 0, 0, 0, 0, 0),
		[2]tcpstate.State{tcpstate.SynSent, tcpstate.Listen}, []tcpstate.Verdict{tcpstate.AnsweredRST}},
	// Timestamps on both ends, then a segment without TSopt (RFC 7323 §3.2).
	{"timestamps-missing", fzSeed{0x24, 0}.flush().inject(0, tcpstate.ACK|tcpstate.PSH, 0, 0, 0, 0, 0).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, []tcpstate.Verdict{tcpstate.Dropped}},
	// Data both ways, then both close; TIME-WAIT ends after 2 MSL.
	{"data-and-close", fzSeed{0x24, 0}.flush().app(0, 0, 10).app(1, 0, 3).flush().
		app(0, 1, 255).app(1, 1, 255).app(0, 2, 0).flush().app(1, 2, 0).flush().advance(201).advance(201),
		[2]tcpstate.State{tcpstate.Closed, tcpstate.Closed}, nil},
	// B's window of one byte: A sends with zero-window probes.
	{"zero-window", fzSeed{0, 0x0c}.flush().app(0, 0, 1).flush().advance(0).flush().app(1, 1, 1).flush().advance(0).flush(),
		[2]tcpstate.State{tcpstate.Established, tcpstate.Established}, nil},
	{"abort", fzSeed{0, 0}.flush().app(0, 3, 0).flush(),
		[2]tcpstate.State{tcpstate.Closed, tcpstate.Closed}, nil},
	// Nothing answers the SYN: retransmissions, then ErrTimedOut.
	{"syn-timeout", fzSeed{0, 0}.op(fzDropA).advance(0).op(fzDropA).advance(0).op(fzDropA).advance(0).op(fzDropA).advance(0).op(fzDropA).advance(0),
		[2]tcpstate.State{tcpstate.Closed, tcpstate.Listen}, nil},
}

// TestFuzzSeeds runs each seed, checks it ends where its name says, and
// checks the corpus files match the seeds (-fuzz-corpus-update rewrites
// them).
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzHandleSegment")
	for _, s := range fzSeeds {
		t.Run(s.name, func(t *testing.T) {
			w, verdicts := fzRun(t, s.data)
			for i, want := range s.want {
				if got := w.ends[i].c.State(); got != want {
					t.Errorf("%s ends in %s, want %s", w.ends[i].name, got, want)
				}
			}
			if !slices.Equal(verdicts, s.verdicts) {
				t.Errorf("verdicts on the forged segments %v, want %v", verdicts, s.verdicts)
			}
			file := filepath.Join(dir, s.name)
			text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(s.data)) + ")\n"
			if *fzUpdate {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := os.ReadFile(file)
			if err != nil || string(got) != text {
				t.Errorf("%s is missing or stale (%v); run go test ./tcpstate -run TestFuzzSeeds -fuzz-corpus-update", file, err)
			}
		})
	}
}
