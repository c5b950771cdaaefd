package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpsim/tcpsim/tcpstate"
)

func TestDropNthDropsExactlyThatSegment(t *testing.T) {
	w, a, b, lg := rawWorld(t, 1, Path{Delay: time.Millisecond, Faults: []Fault{DropNth(3)}})
	blast(w, a, b, 6, 0, 0)
	drops := segEvents(lg, Drop)
	require.Len(t, drops, 1)
	assert.Equal(t, DropFault, drops[0].Reason)
	assert.Equal(t, "fault", drops[0].Reason.String())
	assert.Equal(t, uint64(3), drops[0].Packet)
	assert.Equal(t, uint64(2), uint64(drops[0].Segment.Seq), "the third segment sent (seq from 0)")
	var seqs []uint32
	for _, e := range segEvents(lg, Recv) {
		seqs = append(seqs, uint32(e.Segment.Seq))
	}
	assert.Equal(t, []uint32{0, 1, 3, 4, 5}, seqs)
}

func TestDelayNthDelaysThatSegment(t *testing.T) {
	w, a, b, lg := rawWorld(t, 1, Path{Delay: 10 * time.Millisecond, Faults: []Fault{DelayNth(2, 5*time.Millisecond)}})
	blast(w, a, b, 3, 0, time.Millisecond) // sent at 0, 1, 2 ms
	var got []string
	for _, e := range segEvents(lg, Recv) {
		got = append(got, fmt.Sprintf("%v seq %d", e.Time.Sub(Epoch()), e.Segment.Seq))
	}
	assert.Equal(t, []string{"10ms seq 0", "12ms seq 2", "16ms seq 1"}, got)
}

// TestDropMatchingLosesTheThirdACK is the lesson "lose the third segment
// of the handshake": the client's ACK of the SYN-ACK is lost, so the
// server stays in SYN-RECEIVED until the client's data, which carries the
// same acknowledgment, arrives (RFC 9293 §3.10.7.4, fifth check, ACK in
// SYN-RECEIVED).
func TestDropMatchingLosesTheThirdACK(t *testing.T) {
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	client, _ := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	server, _ := w.AddHost(HostConfig{Name: "server", Addr: serverAddr})
	bareACK := func(s *tcpstate.Segment) bool { return s.Flags == tcpstate.ACK && len(s.Payload) == 0 }
	_, err := w.AddLink(client, server,
		Path{Delay: delay, Faults: []Fault{DropMatching(bareACK, 1)}}, Path{Delay: delay})
	require.NoError(t, err)
	app := &echo{request: "hello", response: "hello back"}
	_, err = server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	_, err = client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()

	drops := segEvents(lg, Drop)
	require.Len(t, drops, 1, "once: only the first bare ACK")
	assert.Equal(t, DropFault, drops[0].Reason)
	assert.Equal(t, uint64(3), drops[0].Packet, "SYN, SYN-ACK, then the ACK")
	assert.Equal(t, tcpstate.ACK, drops[0].Segment.Flags)
	// The server reaches ESTABLISHED when the data arrives: the data
	// left with the lost ACK at 100ms and arrives at 150ms.
	assert.Contains(t, states(lg, server), "150ms SYN-RECEIVED>ESTABLISHED")
	assert.Equal(t, "hello", app.serverGot)
	assert.Equal(t, "hello back", app.clientGot)
	assert.True(t, app.clientDone && app.serverDone)
}

func TestMatchSeesEverySegmentInOrder(t *testing.T) {
	var seen []uint32
	count := func(s *tcpstate.Segment) bool {
		seen = append(seen, uint32(s.Seq))
		return false
	}
	w, a, b, lg := rawWorld(t, 1, Path{Faults: []Fault{DelayMatching(count, 0, time.Second)}})
	blast(w, a, b, 4, 0, 0)
	assert.Equal(t, []uint32{0, 1, 2, 3}, seen)
	assert.Len(t, segEvents(lg, Recv), 4)
}

func TestMatchingCountStopsAfterCount(t *testing.T) {
	even := func(s *tcpstate.Segment) bool { return s.Seq%2 == 0 }
	w, a, b, lg := rawWorld(t, 1, Path{Faults: []Fault{DropMatching(even, 2)}})
	blast(w, a, b, 8, 0, 0)
	var dropped []uint32
	for _, e := range segEvents(lg, Drop) {
		dropped = append(dropped, uint32(e.Segment.Seq))
	}
	assert.Equal(t, []uint32{0, 2}, dropped)
}

func TestDropNthOfAllCountsBothDirections(t *testing.T) {
	lg := &log{}
	w := New(Config{Seed: 1, Trace: lg.record})
	client, _ := w.AddHost(HostConfig{Name: "client", Addr: clientAddr})
	server, _ := w.AddHost(HostConfig{Name: "server", Addr: serverAddr})
	f := DropNthOfAll(2) // the SYN-ACK: SYN is 1, SYN-ACK 2
	_, err := w.AddLink(client, server, Path{Delay: delay, Faults: []Fault{f}}, Path{Delay: delay, Faults: []Fault{f}})
	require.NoError(t, err)
	app := &echo{request: "hello", response: "hello back"}
	_, err = server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	_, err = client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.Run()
	drops := segEvents(lg, Drop)
	require.Len(t, drops, 1)
	assert.Equal(t, uint64(2), drops[0].Packet)
	assert.Equal(t, tcpstate.SYN|tcpstate.ACK, drops[0].Segment.Flags)
	assert.Equal(t, server, drops[0].Host)
	// RFC 6298 §2.1: the SYN-ACK sent at 50ms is resent after the initial
	// RTO of 1 s; the transfer then completes.
	var synacks []time.Duration
	for _, e := range segEvents(lg, Send) {
		if e.Host == server && e.Segment.Flags == tcpstate.SYN|tcpstate.ACK {
			synacks = append(synacks, e.Time.Sub(Epoch()))
		}
	}
	require.NotEmpty(t, synacks)
	assert.Equal(t, []time.Duration{delay, delay + time.Second}, synacks[:2])
	assert.Equal(t, "hello back", app.clientGot)
	assert.True(t, app.clientDone && app.serverDone)
}
