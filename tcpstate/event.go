package tcpstate

// Event is something the application should learn about, pulled with
// PollEvent after each input.
type Event uint8

// The application events. PollEvent returns pending events in this order.
const (
	// EventEstablished: the connection reached ESTABLISHED.
	EventEstablished Event = 1 << iota
	// EventReadable: data is ready to Read.
	EventReadable
	// EventWritable: send buffer space was freed.
	EventWritable
	// EventPeerClosed: the peer sent FIN; after the data already buffered,
	// Read returns io.EOF.
	EventPeerClosed
	// EventClosed: the connection reached CLOSED; Err says why if not
	// through a normal close.
	EventClosed
)

var eventNames = [...]struct {
	e    Event
	name string
}{
	{EventEstablished, "established"},
	{EventReadable, "readable"},
	{EventWritable, "writable"},
	{EventPeerClosed, "peer-closed"},
	{EventClosed, "closed"},
}

// String names the event: "established", "readable", "peer-closed"...
func (e Event) String() string {
	for _, n := range eventNames {
		if e == n.e {
			return n.name
		}
	}
	return "event-unknown"
}
