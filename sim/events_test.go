package sim

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// The agenda pops events by time, and events of the same time in the
// order they were pushed, whatever the interleaving of pushes and pops,
// each with the kind it was pushed with.
func TestAgendaOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a agenda
		type item struct {
			at   int64
			id   int
			kind eventKind
		}
		var model []item // kept sorted by (at, push order)
		id := 0
		ops := rapid.SliceOf(rapid.Int64Range(-1, 20)).Draw(t, "ops") // -1: pop
		for _, op := range ops {
			if op < 0 {
				if len(model) == 0 {
					continue
				}
				e := a.pop()
				if e.at != model[0].at || int(e.gen) != model[0].id || e.kind() != model[0].kind {
					t.Fatalf("popped (%d, #%d, kind %d), want (%d, #%d, kind %d)",
						e.at, e.gen, e.kind(), model[0].at, model[0].id, model[0].kind)
				}
				model = model[1:]
				continue
			}
			id++
			k := eventKind(1 + id%3) // evDeliver, evTimer, evWake in turn
			a.push(k, event{at: op, gen: uint32(id)})
			i, _ := slices.BinarySearchFunc(model, op+1, func(it item, at int64) int {
				return int(it.at - at) // insert after every item with the same time
			})
			model = slices.Insert(model, i, item{op, id, k})
		}
		if a.Len() != len(model) {
			t.Fatalf("agenda holds %d events, want %d", a.Len(), len(model))
		}
	})
}
