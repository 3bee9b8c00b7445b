package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestStrTable_Model compares the table with a Go map under random inserts,
// updates (growing and shrinking values) and deletes.
func TestStrTable_Model(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	tb := &strTable{}
	model := map[string]string{}
	for step := range 20000 {
		f := fmt.Sprint("k", r.IntN(500))
		switch r.IntN(3) {
		case 0, 1:
			v := string(make([]byte, r.IntN(40)))
			_, had := model[f]
			if added := tb.set([]byte(f), []byte(v)); added == had {
				t.Fatalf("step %d: set(%s) added=%v, had=%v", step, f, added, had)
			}
			model[f] = v
		default:
			_, had := model[f]
			if tb.del([]byte(f)) != had {
				t.Fatalf("step %d: del(%s) != %v", step, f, had)
			}
			delete(model, f)
		}
		if tb.len() != len(model) {
			t.Fatalf("step %d: len %d, model %d", step, tb.len(), len(model))
		}
		if step%97 == 0 {
			n := 0
			tb.forEach(func(f, v []byte) bool {
				n++
				if mv, ok := model[string(f)]; !ok || mv != string(v) {
					t.Fatalf("step %d: %q=%q not in model", step, f, v)
				}
				return true
			})
			if n != len(model) {
				t.Fatalf("step %d: forEach saw %d of %d", step, n, len(model))
			}
			if tb.payload() < 0 || tb.dead > len(tb.arena) {
				t.Fatalf("step %d: arena accounting off: dead %d of %d", step, tb.dead, len(tb.arena))
			}
		}
	}
}

// TestStrTable_ScanGuarantee checks Redis's SCAN promise: an entry present
// for the whole iteration is returned, however the table changes between
// calls (inserts, deletes, value rewrites that move data in the arena).
func TestStrTable_ScanGuarantee(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 50 {
		tb := &strTable{}
		for i := range 300 {
			tb.set(fmt.Appendf(nil, "s%d", i), []byte("v"))
		}
		stable := map[string]bool{}
		for i := range 100 { // s0..s99 are never touched
			stable[fmt.Sprint("s", i)] = true
		}
		seen := map[string]bool{}
		var cur uint64
		for calls := 0; ; calls++ {
			cur = tb.scan(cur, 1+r.IntN(20), func(f, v []byte) { seen[string(f)] = true })
			if cur == 0 {
				break
			}
			for range r.IntN(40) {
				i := 100 + r.IntN(400)
				f := fmt.Appendf(nil, "s%d", i)
				switch r.IntN(3) {
				case 0:
					tb.del(f)
				case 1:
					tb.set(f, make([]byte, r.IntN(100)))
				default:
					// Rewrite a stable entry's value: its position must not move.
					tb.set(fmt.Appendf(nil, "s%d", r.IntN(100)), make([]byte, r.IntN(100)))
				}
			}
			if calls > 100000 {
				t.Fatal("scan does not terminate")
			}
		}
		for f := range stable {
			if !seen[f] {
				t.Fatalf("round %d: %s present throughout but not returned", round, f)
			}
		}
	}
}

// TestStrTable_Shrinks checks that positions are reused lowest first and the
// tail is cut once emptied, so a table that shrank releases memory.
func TestStrTable_Shrinks(t *testing.T) {
	tb := &strTable{}
	for i := range 10000 {
		tb.set(fmt.Appendf(nil, "k%d", i), []byte("value"))
	}
	for i := 10; i < 10000; i++ {
		tb.del(fmt.Appendf(nil, "k%d", i))
	}
	if len(tb.ents) != 10 || cap(tb.ents) > 64 {
		t.Errorf("after deleting the tail: %d positions, capacity %d", len(tb.ents), cap(tb.ents))
	}
	if len(tb.arena) > 4096 {
		t.Errorf("arena kept %d bytes for 10 entries", len(tb.arena))
	}
	// Holes in the middle are refilled lowest first.
	tb.del([]byte("k3"))
	tb.del([]byte("k1"))
	tb.set([]byte("new1"), nil)
	tb.set([]byte("new2"), nil)
	if string(tb.field(1)) != "new1" || string(tb.field(3)) != "new2" {
		t.Errorf("holes refilled as %q, %q", tb.field(1), tb.field(3))
	}
	tb.set([]byte("new3"), nil)
	if len(tb.ents) != 11 {
		t.Errorf("append after the holes: %d positions", len(tb.ents))
	}
}

func TestStrTable_Random(t *testing.T) {
	tb := &strTable{}
	for i := range 1000 {
		tb.set(fmt.Appendf(nil, "k%d", i), nil)
	}
	// Leave 10 entries scattered over a big position range.
	for i := range 1000 {
		if i%100 != 0 {
			tb.del(fmt.Appendf(nil, "k%d", i))
		}
	}
	counts := map[string]int{}
	for range 10000 {
		counts[string(tb.field(tb.randomPos()))]++
	}
	if len(counts) != 10 {
		t.Fatalf("random picked %d distinct entries of 10", len(counts))
	}
	for f, n := range counts {
		if n < 700 || n > 1300 {
			t.Errorf("%s picked %d times of 10000", f, n)
		}
	}
}
