package udp

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"
)

// TestQueueModel checks the receive queue against a plain slice: random
// deliveries and reads keep arrival order, never exceed either bound,
// and count every drop.
func TestQueueModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		maxN := rapid.IntRange(1, 8).Draw(t, "maxDatagrams")
		maxB := rapid.IntRange(1, 64).Draw(t, "maxBytes")
		e, err := NewEndpoint(Config{Local: local, MaxDatagrams: maxN, MaxBytes: maxB})
		if err != nil {
			t.Fatal(err)
		}
		var model [][]byte
		modelBytes, drops := 0, uint64(0)
		buf := make([]byte, 64)
		for i := range rapid.IntRange(0, 100).Draw(t, "steps") {
			if rapid.Bool().Draw(t, "deliver") {
				p := bytes.Repeat([]byte{byte(i)}, rapid.IntRange(0, 20).Draw(t, "size"))
				v := e.Deliver(Datagram{Src: peer, Dst: local, Payload: p})
				fits := len(model) < maxN && modelBytes+len(p) <= maxB
				switch {
				case fits && v == Queued:
					model = append(model, p)
					modelBytes += len(p)
				case !fits && v == DroppedQueueFull:
					drops++
				default:
					t.Fatalf("deliver %d bytes with %d queued (%d bytes): %v", len(p), len(model), modelBytes, v)
				}
				continue
			}
			n, from, err := e.ReadFrom(buf)
			if len(model) == 0 {
				if err != ErrWouldBlock {
					t.Fatalf("read from an empty queue: %v", err)
				}
				continue
			}
			if err != nil || from != peer || !bytes.Equal(buf[:n], model[0]) {
				t.Fatalf("read %x from %v (%v), want %x", buf[:n], from, err, model[0])
			}
			modelBytes -= len(model[0])
			model = model[1:]
		}
		if n, b := e.Queued(); n != len(model) || b != modelBytes || e.Stats().QueueFull != drops {
			t.Fatalf("queued %d (%d bytes), %d drops; want %d (%d bytes), %d", n, b, e.Stats().QueueFull, len(model), modelBytes, drops)
		}
	})
}
