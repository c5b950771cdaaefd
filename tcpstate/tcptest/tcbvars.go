package tcptest

import (
	"fmt"
	"time"

	"github.com/tcpsim/tcpsim/tcpstate"
	"github.com/tcpsim/tcpsim/tcpstate/seqnum"
)

// ISS, IRS, SndWL1 and SndWL2 check one more TCB variable each (RFC 9293
// §3.3.1). IRS and SND.WL1 are in the peer's sequence space, ISS and
// SND.WL2 in ours.
func ISS(want seqnum.Value) Step    { return seqVar("ISS", true, want, getISS) }
func IRS(want seqnum.Value) Step    { return seqVar("IRS", false, want, getIRS) }
func SndWL1(want seqnum.Value) Step { return seqVar("SND.WL1", false, want, getSndWL1) }
func SndWL2(want seqnum.Value) Step { return seqVar("SND.WL2", true, want, getSndWL2) }

func getISS(t tcpstate.TCB) seqnum.Value    { return t.ISS }
func getIRS(t tcpstate.TCB) seqnum.Value    { return t.IRS }
func getSndWL1(t tcpstate.TCB) seqnum.Value { return t.SndWL1 }
func getSndWL2(t tcpstate.TCB) seqnum.Value { return t.SndWL2 }

// RTO checks the retransmission timeout (RFC 6298 §2).
func RTO(want time.Duration) Step {
	return tcbVar("RTO", want, func(t tcpstate.TCB) time.Duration { return t.RTO })
}

// RTT checks the round-trip estimate of RFC 6298 §2: SRTT and RTTVAR.
func RTT(srtt, rttvar time.Duration) Step {
	return newStep(func(h *Harness) error {
		t := h.Conn.TCB()
		if t.SRTT != srtt || t.RTTVar != rttvar {
			return fmt.Errorf("SRTT = %v, RTTVAR = %v, want %v, %v", t.SRTT, t.RTTVar, srtt, rttvar)
		}
		return nil
	})
}

// Negotiated checks which of window scaling (RFC 7323 §2), SACK (RFC 2018)
// and timestamps (RFC 7323 §3) the SYN exchange enabled.
func Negotiated(wscale, sack, ts bool) Step {
	return newStep(func(h *Harness) error {
		t := h.Conn.TCB()
		if t.WindowScaling != wscale || t.SACKPermitted != sack || t.Timestamps != ts {
			return fmt.Errorf("negotiated wscale %v, sackOK %v, TS %v; want %v, %v, %v",
				t.WindowScaling, t.SACKPermitted, t.Timestamps, wscale, sack, ts)
		}
		return nil
	})
}

// WindowShifts checks Snd.Wind.Shift, applied to the windows the peer
// sends, and Rcv.Wind.Shift, applied to ours (RFC 7323 §2.3).
func WindowShifts(snd, rcv uint8) Step {
	return newStep(func(h *Harness) error {
		t := h.Conn.TCB()
		if t.SndWndShift != snd || t.RcvWndShift != rcv {
			return fmt.Errorf("Snd.Wind.Shift %d, Rcv.Wind.Shift %d; want %d, %d",
				t.SndWndShift, t.RcvWndShift, snd, rcv)
		}
		return nil
	})
}

// SndMSS checks the most data one segment carries, the effective send MSS
// of RFC 9293 §3.7.1 less the options every segment carries (RFC 6691).
func SndMSS(want uint16) Step {
	return tcbVar("SndMSS", want, func(t tcpstate.TCB) uint16 { return t.SndMSS })
}

// RcvMSS checks the MSS the connection announced in its SYN or SYN-ACK.
func RcvMSS(want uint16) Step {
	return tcbVar("RcvMSS", want, func(t tcpstate.TCB) uint16 { return t.RcvMSS })
}

// TSRecent checks TS.Recent, the timestamp echoed in TSecr (RFC 7323 §4.3).
func TSRecent(want uint32) Step {
	return tcbVar("TS.Recent", want, func(t tcpstate.TCB) uint32 { return t.TSRecent })
}
