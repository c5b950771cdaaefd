package tcpstate

// Verdict says what HandleSegment did with a segment. Dropping a segment is
// normal TCP behaviour, not an error; the verdict names the rule that
// applied, with a stable string usable as a counter key and in traces.
type Verdict uint8

// The verdicts.
const (
	// Accepted: the segment was processed (all or the part in window).
	Accepted Verdict = iota
	// DroppedUnacceptable: it failed the sequence number acceptability test
	// (RFC 9293 §3.10.7.4 first check); an ACK was sent unless it was a RST
	// or a bare ACK within Config.InvalidACKInterval of the last such reply
	// (RFC 5961 §7 throttling).
	DroppedUnacceptable
	// OutOfOrder: its data starts beyond RCV.NXT. The ACK field was
	// processed, the data held for reassembly (what fits the window) and a
	// duplicate ACK sent (RFC 5681 §4.2), with SACK blocks if permitted.
	OutOfOrder
	// DroppedRST: a RST that must be ignored (out of window, in LISTEN, or
	// in SYN-SENT without an acceptable ACK; RFC 9293 §3.10.7, RFC 5961 §3.2).
	DroppedRST
	// ChallengeACK: an in-window RST that was not exactly at RCV.NXT, or a
	// SYN in a synchronized state; answered with a challenge ACK (RFC 5961
	// §3.2 and §4.2).
	ChallengeACK
	// Reset: a valid RST that ended the connection.
	Reset
	// DroppedNoACK: a segment without the ACK bit in a state that needs one
	// (RFC 9293 §3.10.7.4 fifth check).
	DroppedNoACK
	// DroppedUnacceptableACK: SEG.ACK acknowledges something not yet sent,
	// or is older than the window allows (RFC 5961 §5.2); an ACK was sent.
	DroppedUnacceptableACK
	// AnsweredRST: the segment was answered with a RST (closed port, ACK in
	// LISTEN or SYN-SENT or SYN-RECEIVED that acknowledges nothing we sent).
	AnsweredRST
	// Dropped: silently discarded (RFC 9293: "drop the segment and
	// return"), e.g. neither SYN nor RST in SYN-SENT, or a segment
	// after the connection closed.
	Dropped
	// ReturnedToListen: a RST or SYN took a passively opened connection in
	// SYN-RECEIVED back to LISTEN (RFC 9293 §3.10.7.4).
	ReturnedToListen
	// DataOutsideWindow: the receive window is zero; the segment's ACK and
	// control bits were processed, its text and FIN discarded, and an ACK
	// sent (RFC 9293 §3.10.7.4: "special allowance should be made to
	// accept valid ACKs, URGs, and RSTs").
	DataOutsideWindow
	// DroppedPAWS: the segment's timestamp is older than TS.Recent, so it
	// is an old duplicate (RFC 7323 §5.3 R1, PAWS); an ACK was sent unless
	// throttled like other replies to bare ACKs.
	DroppedPAWS
)

var verdictNames = [...]string{
	Accepted:               "accepted",
	DroppedUnacceptable:    "dropped-unacceptable-seq",
	OutOfOrder:             "out-of-order",
	DroppedRST:             "dropped-rst",
	ChallengeACK:           "challenge-ack",
	Reset:                  "reset",
	DroppedNoACK:           "dropped-no-ack",
	DroppedUnacceptableACK: "dropped-unacceptable-ack",
	AnsweredRST:            "answered-rst",
	Dropped:                "dropped",
	ReturnedToListen:       "returned-to-listen",
	DataOutsideWindow:      "data-outside-window",
	DroppedPAWS:            "dropped-paws",
}

// String returns the verdict's stable name, e.g. "challenge-ack".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict-unknown"
}
