package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type jsonEvent struct {
	Type, Host, Event, Flags, Reason, From, To string
	ID                                         uint64
	Seq                                        uint32
}

func events(t *testing.T, args ...string) []jsonEvent {
	t.Helper()
	code, out, errOut := run(t, append(args, "-o", "json")...)
	require.Equal(t, ExitOK, code, errOut)
	var evs []jsonEvent
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e jsonEvent
		require.NoError(t, json.Unmarshal([]byte(line), &e))
		evs = append(evs, e)
	}
	return evs
}

// --drop 3 loses the third segment sent: in the handshake lesson the
// client's ACK of the SYN-ACK (RFC 9293 §3.5 Figure 6, line 4). The server
// stays in SYN-RECEIVED until the next segment from the client acknowledges
// its SYN, and the lesson still ends.
func TestDropThirdSegment(t *testing.T) {
	evs := events(t, "handshake", "--drop", "3")
	var sends []jsonEvent
	var drop *jsonEvent
	for i, e := range evs {
		if e.Type == "segment" && e.Event == "send" {
			sends = append(sends, e)
		}
		if e.Type == "segment" && e.Event == "drop" {
			require.Nil(t, drop, "only one drop")
			drop = &evs[i]
		}
	}
	require.NotNil(t, drop)
	assert.Equal(t, sends[2].ID, drop.ID, "the third segment sent")
	assert.Equal(t, ".", sends[2].Flags)
	assert.Equal(t, "fault", drop.Reason)
	last := map[string]string{}
	for _, e := range evs {
		if e.Type == "state" {
			last[e.Host] = e.To
		}
	}
	assert.Equal(t, map[string]string{"client": "CLOSED", "server": "CLOSED"}, last)
}

// Every impairment at once: the run is reproducible from its seed (the
// world's one generator), trace and pcapng byte for byte, and a different
// seed changes it.
func TestImpairedRunsAreDeterministic(t *testing.T) {
	dir := t.TempDir()
	runOnce := func(seed, name string) (trace string, capture []byte) {
		path := filepath.Join(dir, name)
		code, out, errOut := run(t, "handshake", "--loss", "10%", "--jitter", "5ms", "--dup", "5%", "--corrupt", "5%",
			"--rate", "1Mbit", "--queue", "20", "--delay", "20ms", "-o", "json", "--seed", seed, "--pcapng", path)
		require.Equal(t, ExitOK, code, errOut)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return out, b
	}
	a, pa := runOnce("7", "a.pcapng")
	b, pb := runOnce("7", "b.pcapng")
	c, pc := runOnce("8", "c.pcapng")
	assert.Equal(t, a, b)
	assert.Equal(t, pa, pb)
	assert.NotEqual(t, a, c)
	assert.NotEqual(t, pa, pc)
}

func TestImpairmentBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"handshake", "--loss", "150%"}, `invalid argument "150%" for "--loss" flag: must be between 0% and 100%`},
		{[]string{"handshake", "--dup", "-1%"}, `"--dup" flag: must be between 0% and 100%`},
		{[]string{"handshake", "--corrupt", "lots"}, `"--corrupt" flag: must be a percentage`},
		{[]string{"handshake", "--jitter", "-5ms"}, `"--jitter" flag: must not be negative`},
		{[]string{"handshake", "--rate", "0"}, `"--rate" flag: must be more than 0`},
		{[]string{"handshake", "--rate", "fast"}, `"--rate" flag: must be a rate such as 10Mbit`},
		{[]string{"handshake", "--queue", "0"}, `"--queue" flag: must be a whole number from 1 up`},
		{[]string{"handshake", "--drop", "0"}, `"--drop" flag: must be segment numbers counting from 1`},
		{[]string{"handshake", "--reorder", "25%", "--delay", "0s"}, `--reorder needs a --delay`},
		{[]string{"udp", "--loss", "101%"}, `"--loss" flag: must be between 0% and 100%`},
		{[]string{"udp", "--isn-client", "1"}, `unknown flag: --isn-client`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			assert.Equal(t, ExitUsage, code)
			assert.Empty(t, out)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

// The udp command: two datagrams, no handshake; with --drop 1 the request
// is lost and nothing is sent again (RFC 768 has no retransmission).
func TestUDPCommand(t *testing.T) {
	evs := events(t, "udp")
	var kinds []string
	for _, e := range evs {
		if e.Type == "segment" {
			t.Fatalf("a TCP segment in tcpsim udp")
		}
		if e.Type == "datagram" {
			kinds = append(kinds, e.Host+" "+e.Event)
		}
	}
	assert.Equal(t, []string{"client send", "server recv", "server send", "client recv"}, kinds)

	// --drop 1 counts datagrams too: the request is lost and nothing
	// follows it.
	kinds = nil
	for _, e := range events(t, "udp", "--drop", "1") {
		if e.Type == "datagram" {
			kinds = append(kinds, e.Host+" "+e.Event+" "+e.Reason)
		}
	}
	assert.Equal(t, []string{"client send ", "client drop fault"}, kinds)
}
