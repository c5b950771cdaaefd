package sim

import (
	"time"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEphemeralPortsGoUpAndSkipPortsInUse(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	_, err := server.Listen(80, nil)
	require.NoError(t, err)
	// A listener on 49153 takes that port out of the ephemeral rotation.
	_, err = client.Listen(49153, nil)
	require.NoError(t, err)
	var got []uint16
	for range 3 {
		c, err := client.Dial(serverPort, Handler{})
		require.NoError(t, err)
		got = append(got, c.LocalAddr().Port())
	}
	assert.Equal(t, []uint16{49152, 49154, 49155}, got)
	w.RunFor(0)
}

func TestPortTableWrapsAndRunsOut(t *testing.T) {
	pt := newPortTable()
	pt.next = LastEphemeralPort
	pt.ref(FirstEphemeralPort)
	p, ok := pt.ephemeral()
	require.True(t, ok)
	assert.Equal(t, uint16(LastEphemeralPort), p)
	pt.ref(p)
	p, ok = pt.ephemeral()
	require.True(t, ok)
	assert.Equal(t, uint16(FirstEphemeralPort+1), p, "wraps to the bottom of the range, skipping the port in use")

	for q := FirstEphemeralPort; q <= LastEphemeralPort; q++ {
		if !pt.inUse(uint16(q)) {
			pt.ref(uint16(q))
		}
	}
	_, ok = pt.ephemeral()
	assert.False(t, ok, "every port is taken")
	pt.unref(50000)
	p, ok = pt.ephemeral()
	require.True(t, ok)
	assert.Equal(t, uint16(50000), p)
}

func TestDialFailsWhenPortsRunOut(t *testing.T) {
	_, client, _, _ := pair(t, 1, nil)
	for q := FirstEphemeralPort; q <= LastEphemeralPort; q++ {
		client.ports.ref(uint16(q))
	}
	_, err := client.Dial(serverPort, Handler{})
	assert.ErrorIs(t, err, ErrNoPorts)
}

func TestTimeWaitHoldsItsPort(t *testing.T) {
	w, client, server, _ := pair(t, 1, nil)
	app := &echo{request: "x", response: "y"}
	_, err := server.Listen(80, app.serverHandler)
	require.NoError(t, err)
	c, err := client.Dial(serverPort, app.clientHandler())
	require.NoError(t, err)
	w.RunFor(time.Second) // the client is in TIME-WAIT
	require.Equal(t, "TIME-WAIT", c.State().String())
	assert.True(t, client.ports.inUse(49152))
	w.Run()
	assert.False(t, client.ports.inUse(49152), "released at CLOSED")
}
