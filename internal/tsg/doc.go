// Package tsg draws time–sequence graphs in the style of W. Richard
// Stevens's TCP/IP Illustrated and of tcptrace: time runs along x, the
// relative sequence number up y. Each data segment sent is a vertical
// tick from its first byte to the byte after its last; retransmissions
// are drawn in another colour; the cumulative acknowledgment the sender
// received is a step line under the ticks, and the right edge of the
// receive window offered (acknowledgment plus window) a step line above
// them. A second panel plots the congestion window over time, or says
// that none was given.
//
// The package is pure: it knows nothing of the simulator. Callers fill a
// Graph with times relative to the start of the connection and sequence
// numbers relative to the initial sequence number (already unwrapped, so
// that they may exceed 2^32), and WriteSVG renders it. The same Graph
// always gives the same bytes.
package tsg
