// Package sim is a discrete-event world in virtual time where hosts talk
// TCP through the sans-I/O state machine of package tcpstate.
//
// A World owns a virtual clock that starts at Epoch (2000-01-01 00:00:00
// UTC), a heap of events ordered by (time, insertion order) and one seeded
// pseudo-random generator. Nothing in it reads the wall clock, draws global
// randomness or lets map order reach its output, so the same seed and the
// same inputs give the same trace, byte for byte.
//
// Hosts have a name and one IPv4 or IPv6 address. A Link joins two hosts
// of the same family with one Path per direction, impaired in netem's
// vocabulary (delay, jitter, loss and burst loss, reordering,
// duplication, corruption, rate, queue limit, MTU) and by scripted Faults
// ("drop the third segment"). Each host demultiplexes arriving
// segments by 4-tuple (RFC 9293 §3.9.2), hands SYNs for a listening port
// to a fresh connection in LISTEN, and answers segments for which no
// connection exists with a reset (RFC 9293 §3.10.7.1).
//
// Applications are callbacks: Host.Dial and Host.Listen take a Handler
// whose functions run when tcpstate raises an event (established,
// readable, writable, peer closed, closed), and the Conn handle they
// receive offers Write, Read and Close. Every application call is traced.
//
// Applications can also be written as the socket tutorial writes them:
// World.Go starts a Process, code that runs only while the world hands
// it control, and Host.Sockets gives the host's socket layer (Socket,
// Bind, Listen, Accept, Connect, Send, Recv, CloseSocket, Shutdown,
// Select on integer descriptors). A blocking call made by a process
// returns when the simulated event it waits for happens, in virtual time;
// non-blocking sockets return ErrWouldBlock or ErrInProgress instead.
// World.Blocked lists processes blocked for good after Run; World.Close
// ends them.
//
// Code written against package net runs on a Network: NewNetwork runs the
// world on a goroutine of its own, and Network.Host gives net.Listener
// and net.Conn implementations (NetListener, NetConn) and a DialContext
// for http.Transport. It is the one part of the package that reads the
// goroutines' clock (time.Now and timers), to keep the world's in step
// with it: inside a testing/synctest bubble that clock is virtual too, so
// that ordinary goroutines, deadlines and timeouts run in virtual time.
//
// A World is driven by Step (one event) or Run (until no event is left),
// and observed through Config.Trace.
package sim
