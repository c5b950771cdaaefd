package tcpstate

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"
)

// TestRingMatchesSlice drives the ring and a plain slice with the same
// random operations; they must hold the same bytes at every step.
func TestRingMatchesSlice(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		limit := rapid.IntRange(1, 3000).Draw(t, "limit")
		var r ring
		r.setLimit(limit)
		var model []byte
		var scratch []byte
		next := byte(0)
		for i := 0; i < 50; i++ {
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				p := make([]byte, rapid.IntRange(0, 1500).Draw(t, "write"))
				for j := range p {
					p[j], next = next, next+1
				}
				n := r.Write(p)
				want := min(len(p), limit-len(model))
				if n != want {
					t.Fatalf("Write wrote %d, want %d", n, want)
				}
				model = append(model, p[:n]...)
			case 1:
				p := make([]byte, rapid.IntRange(0, 1500).Draw(t, "read"))
				n := r.Read(p)
				if !bytes.Equal(p[:n], model[:n]) || n != min(len(p), len(model)) {
					t.Fatalf("Read got %d bytes, model has %d", n, len(model))
				}
				model = model[n:]
			case 2:
				n := rapid.IntRange(0, 1500).Draw(t, "discard")
				r.Discard(n)
				model = model[min(n, len(model)):]
			case 3:
				if len(model) == 0 {
					continue
				}
				off := rapid.IntRange(0, len(model)-1).Draw(t, "off")
				n := rapid.IntRange(1, 1500).Draw(t, "n")
				got, ok := r.contiguous(off, n)
				if !ok {
					got = r.copyTo(off, n, &scratch)
				}
				want := model[off:min(off+n, len(model))]
				if !bytes.Equal(got, want) {
					t.Fatalf("slice(%d,%d) differs", off, n)
				}
			}
			if r.Len() != len(model) || r.Free() != limit-len(model) {
				t.Fatalf("Len %d Free %d, model %d", r.Len(), r.Free(), len(model))
			}
		}
	})
}
