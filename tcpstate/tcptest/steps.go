package tcptest

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// Configure changes the configuration; it must come before Listen or
// Connect.
func Configure(f func(*tcpstate.Config)) Step {
	return newStep(func(h *Harness) error {
		if h.Conn != nil {
			return errors.New("Configure after the connection was opened")
		}
		f(&h.Config)
		return nil
	})
}

// Listen performs a passive open on port 80.
func Listen() Step {
	return newStep(func(h *Harness) error {
		if err := h.open(); err != nil {
			return err
		}
		h.Local = netip.AddrPortFrom(LocalAddr, 80)
		h.Remote = netip.AddrPortFrom(RemoteAddr, 49152)
		return h.Conn.Listen(h.Now, h.Local)
	})
}

// Connect performs an active open from port 49152 to the peer's port 80.
func Connect() Step {
	return newStep(func(h *Harness) error {
		if err := h.open(); err != nil {
			return err
		}
		h.Local = netip.AddrPortFrom(LocalAddr, 49152)
		h.Remote = netip.AddrPortFrom(RemoteAddr, 80)
		return h.Conn.Connect(h.Now, h.Local, h.Remote)
	})
}

// Inject delivers a segment from the peer and checks the verdict.
func Inject(s Seg, want tcpstate.Verdict) Step {
	return newStep(func(h *Harness) error {
		seg := s.seg
		seg.Src, seg.Dst = h.Remote, h.Local
		if !s.fromPeer {
			return errors.New("Inject needs a Peer segment")
		}
		if got := h.Conn.HandleSegment(h.Now, seg); got != want {
			return fmt.Errorf("inject %s: verdict %s, want %s", describe(&seg, true), got, want)
		}
		return nil
	})
}

// Expect checks that the next segment the connection sends matches s.
func Expect(s Seg) Step {
	return newStep(func(h *Harness) error {
		got, ok := h.Conn.Poll(h.Now)
		if !ok {
			return fmt.Errorf("got nothing / want %s", s)
		}
		if msg := s.mismatch(&got); msg != "" {
			return errors.New(msg)
		}
		if got.Src != h.Local || got.Dst != h.Remote {
			return fmt.Errorf("segment addressed %v > %v, want %v > %v", got.Src, got.Dst, h.Local, h.Remote)
		}
		return nil
	})
}

// ExpectNothing checks that the connection has nothing to send.
func ExpectNothing() Step {
	return newStep(func(h *Harness) error {
		if got, ok := h.Conn.Poll(h.Now); ok {
			return fmt.Errorf("got %s / want nothing", describe(&got, false))
		}
		return nil
	})
}

// Advance moves virtual time forward by d, firing every timer at its own
// deadline on the way.
func Advance(d time.Duration) Step {
	return newStep(func(h *Harness) error {
		end := h.Now.Add(d)
		for {
			next := h.Conn.NextTimeout()
			if next.IsZero() || next.After(end) {
				break
			}
			if next.Before(h.Now) {
				return fmt.Errorf("NextTimeout %v is in the past", next.Sub(Epoch))
			}
			h.Now = next
			h.Conn.HandleTimeout(next)
		}
		h.Now = end
		return nil
	})
}

// State checks the connection's state.
func State(want tcpstate.State) Step {
	return newStep(func(h *Harness) error {
		if got := h.Conn.State(); got != want {
			return fmt.Errorf("state %s, want %s", got, want)
		}
		return nil
	})
}

// TCB checks the TCB with f, which returns "" when it holds or says what
// is wrong.
func TCB(f func(tcb tcpstate.TCB) string) Step {
	return newStep(func(h *Harness) error {
		if msg := f(h.Conn.TCB()); msg != "" {
			return errors.New(msg)
		}
		return nil
	})
}

// SndUna, SndNxt and RcvNxt check one TCB variable.
func SndUna(want seqnum.Value) Step { return seqVar("SND.UNA", true, want, getSndUna) }
func SndNxt(want seqnum.Value) Step { return seqVar("SND.NXT", true, want, getSndNxt) }
func RcvNxt(want seqnum.Value) Step { return seqVar("RCV.NXT", false, want, getRcvNxt) }

func getSndUna(t tcpstate.TCB) seqnum.Value { return t.SndUna }
func getSndNxt(t tcpstate.TCB) seqnum.Value { return t.SndNxt }
func getRcvNxt(t tcpstate.TCB) seqnum.Value { return t.RcvNxt }

func seqVar(name string, local bool, want seqnum.Value, get func(tcpstate.TCB) seqnum.Value) Step {
	return newStepDepth(3, func(h *Harness) error {
		if got := get(h.Conn.TCB()); got != want {
			return fmt.Errorf("%s = %s, want %s", name, rel(got, local), rel(want, local))
		}
		return nil
	})
}

// SndWnd and RcvWnd check the windows (in bytes, scaled).
func SndWnd(want uint32) Step {
	return tcbVar("SND.WND", want, func(t tcpstate.TCB) uint32 { return t.SndWnd })
}

func RcvWnd(want uint32) Step {
	return tcbVar("RCV.WND", want, func(t tcpstate.TCB) uint32 { return t.RcvWnd })
}

// tcbVar checks one TCB variable; the step is located at the caller of
// the exported function that calls tcbVar.
func tcbVar[T comparable](name string, want T, get func(tcpstate.TCB) T) Step {
	return newStepDepth(3, func(h *Harness) error {
		if got := get(h.Conn.TCB()); got != want {
			return fmt.Errorf("%s = %v, want %v", name, got, want)
		}
		return nil
	})
}

// NextTimeout checks that the earliest timer is due d from now (0: none).
func NextTimeout(d time.Duration) Step {
	return newStep(func(h *Harness) error {
		next := h.Conn.NextTimeout()
		switch {
		case d == 0 && !next.IsZero():
			return fmt.Errorf("a timer is due in %v, want none", next.Sub(h.Now))
		case d != 0 && next.IsZero():
			return fmt.Errorf("no timer armed, want one in %v", d)
		case d != 0 && next.Sub(h.Now) != d:
			return fmt.Errorf("next timer in %v, want %v", next.Sub(h.Now), d)
		}
		return nil
	})
}

// Write queues data and checks the result (nil: success writing it all).
func Write(data string, wantErr error) Step {
	return newStep(func(h *Harness) error {
		n, err := h.Conn.Write([]byte(data))
		if !errors.Is(err, wantErr) {
			return fmt.Errorf("Write: error %v, want %v", err, wantErr)
		}
		if wantErr == nil && n != len(data) {
			return fmt.Errorf("Write wrote %d of %d bytes", n, len(data))
		}
		return nil
	})
}

// Read reads up to 64 KiB and checks the data and error.
func Read(want string, wantErr error) Step {
	return newStep(func(h *Harness) error {
		buf := make([]byte, 64<<10)
		n, err := h.Conn.Read(buf)
		if !errors.Is(err, wantErr) {
			return fmt.Errorf("Read: error %v, want %v", err, wantErr)
		}
		if string(buf[:n]) != want {
			return fmt.Errorf("Read %q, want %q", buf[:n], want)
		}
		return nil
	})
}

// Close calls Close and checks its error.
func Close(wantErr error) Step {
	return newStep(func(h *Harness) error {
		if err := h.Conn.Close(h.Now); !errors.Is(err, wantErr) {
			return fmt.Errorf("Close: error %v, want %v", err, wantErr)
		}
		return nil
	})
}

// Abort calls Abort.
func Abort() Step {
	return newStep(func(h *Harness) error {
		h.Conn.Abort(h.Now)
		return nil
	})
}

// Err checks why the connection ended (nil: it did not fail).
func Err(want error) Step {
	return newStep(func(h *Harness) error {
		if got := h.Conn.Err(); !errors.Is(got, want) || (want == nil && got != nil) {
			return fmt.Errorf("Err() = %v, want %v", got, want)
		}
		return nil
	})
}

// Events drains the pending application events and checks that they are
// exactly want, in order.
func Events(want ...tcpstate.Event) Step {
	return newStep(func(h *Harness) error {
		var got []tcpstate.Event
		for e, ok := h.Conn.PollEvent(); ok; e, ok = h.Conn.PollEvent() {
			got = append(got, e)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("events %v, want %v", got, want)
		}
		return nil
	})
}

// Do runs f, for anything the other steps do not cover.
func Do(f func(h *Harness) error) Step { return newStep(f) }
