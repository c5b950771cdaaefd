package sim

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// The agenda pops events by time, and events of the same time in the
// order they were pushed, whatever the interleaving of pushes and pops.
func TestAgendaOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var a agenda
		type item struct {
			at int64
			id int
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
				if e.at != model[0].at || int(e.gen) != model[0].id {
					t.Fatalf("popped (%d, #%d), want (%d, #%d)", e.at, e.gen, model[0].at, model[0].id)
				}
				model = model[1:]
				continue
			}
			id++
			a.push(event{at: op, gen: uint32(id)})
			i, _ := slices.BinarySearchFunc(model, op+1, func(it item, at int64) int {
				return int(it.at - at) // insert after every item with the same time
			})
			model = slices.Insert(model, i, item{op, id})
		}
		if a.Len() != len(model) {
			t.Fatalf("agenda holds %d events, want %d", a.Len(), len(model))
		}
	})
}
