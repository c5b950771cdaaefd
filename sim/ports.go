package sim

// The dynamic (ephemeral) port range, RFC 6335 §6: 49152 through 65535.
const (
	FirstEphemeralPort = 49152
	LastEphemeralPort  = 65535
)

// portTable counts the users of each local port of a host: a listener,
// and every connection in the host's table. An ephemeral port is handed
// out only when nothing uses it, so a connection in TIME-WAIT keeps its
// port (and its 4-tuple) from being reused until it reaches CLOSED.
type portTable struct {
	refs map[uint16]int32
	next uint16 // where the search for a free ephemeral port resumes
}

func newPortTable() portTable {
	return portTable{refs: make(map[uint16]int32), next: FirstEphemeralPort}
}

func (t *portTable) inUse(p uint16) bool { return t.refs[p] > 0 }

func (t *portTable) ref(p uint16) { t.refs[p]++ }

func (t *portTable) unref(p uint16) {
	if n := t.refs[p] - 1; n > 0 {
		t.refs[p] = n
	} else {
		delete(t.refs, p)
	}
}

// ephemeral returns the next free port of the dynamic range, going up
// from the last one handed out and wrapping around. This is the
// traditional sequential selection; real stacks randomize it (RFC 6056),
// which a simulation that wants readable, reproducible traces need not.
func (t *portTable) ephemeral() (uint16, bool) {
	for range LastEphemeralPort - FirstEphemeralPort + 1 {
		p := t.next
		if t.next == LastEphemeralPort {
			t.next = FirstEphemeralPort
		} else {
			t.next++
		}
		if !t.inUse(p) {
			return p, true
		}
	}
	return 0, false
}
