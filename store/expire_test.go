package store

import (
	"fmt"
	"testing"
	"time"
)

// 100k keys with a 1 s TTL that nobody touches are reclaimed by a few
// active expiry cycles, each of which samples instead of scanning.
func TestExpire_ActiveReclaims(t *testing.T) {
	s, clk, log := newTestStore(t, DefaultShards)
	const n = 100_000
	write(s, func(tx *Tx) {
		for i := range n {
			tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), clk.ms+1000, false)
		}
		for i := range 100 {
			tx.SetString(fmt.Appendf(nil, "keep%d", i), []byte("v"), 0, false)
		}
		tx.SetDB(3)
		tx.SetString([]byte("later"), []byte("v"), clk.ms+60_000, false)
	})
	if got := s.ActiveExpire(time.Second); got != 0 {
		t.Fatal("expired early", got)
	}
	clk.ms += 1000
	cycles := 0
	for ; cycles < 50; cycles++ {
		s.ActiveExpire(time.Second)
		var size int
		write(s, func(tx *Tx) { size = tx.DBSize(0) })
		if size == 100 {
			break
		}
	}
	if cycles > 10 {
		t.Fatalf("took %d cycles", cycles)
	}
	if len(log.keys) != n {
		t.Fatal("observer saw", len(log.keys))
	}
	write(s, func(tx *Tx) {
		tx.SetDB(3)
		if !tx.Exists([]byte("later")) {
			t.Fatal("unexpired key removed")
		}
	})
}

// A cycle only samples: with few expired keys among many volatile ones it
// stops after a round instead of walking every key.
func TestExpire_ActiveSamples(t *testing.T) {
	s, clk, _ := newTestStore(t, 1)
	write(s, func(tx *Tx) {
		for i := range 10_000 {
			exp := clk.ms + 100_000
			if i%100 == 0 {
				exp = clk.ms + 1
			}
			tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), exp, false)
		}
	})
	clk.ms += 10
	if got := s.ActiveExpire(time.Second); got > expireSample {
		t.Fatalf("deleted %d: more than one sample's worth", got)
	}
}

func TestExpire_ActiveBudget(t *testing.T) {
	s, clk, _ := newTestStore(t, 64)
	write(s, func(tx *Tx) {
		for i := range 1000 {
			tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), clk.ms+1, false)
		}
	})
	clk.ms += 5
	// A zero budget still makes progress (a few shards), never hangs.
	total := 0
	for range 1000 {
		total += s.ActiveExpire(0)
		if total == 1000 {
			return
		}
	}
	t.Fatal("not reclaimed", total)
}
