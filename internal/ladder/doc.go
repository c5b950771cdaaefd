// Package ladder draws a conversation between two hosts as a ladder
// diagram (also called a sequence or time-sequence diagram, the drawing
// RFC 9293 §3.5 uses for the three-way handshake): two vertical lifelines,
// time running down, each segment a slanted arrow from the sender's
// lifeline at its send time to the receiver's at its arrival time, so the
// slope shows the delay. States are written beside a lifeline where they
// change, application calls as notes, and a dropped segment ends in an X
// partway across.
//
// The package is a pure renderer with its own small input model
// (Diagram, Segment, Datagram, Arrival, State, Note); it knows nothing about the
// simulator, whose trace an adapter turns into a Diagram. Two renderers
// share one layout: WriteText draws for a terminal (Unicode box-drawing
// characters, or plain ASCII) and WriteSVG writes a standalone SVG 1.1
// document. Both are deterministic: the same Diagram gives the same bytes.
//
// Time is laid out by event order, not to scale: a gap between two
// moments gets a number of rows proportional to its length, bounded, and
// a gap much longer than the typical one-way delay (a retransmission
// timeout, TIME-WAIT's 2×MSL) is drawn as a break such as "⋮ 240 s later".
package ladder
