package store

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// scanAll runs a full iteration with the given COUNT, calling between after
// every call, and returns how often each key was seen and the number of calls.
func scanAll(s *Store, db, count int, between func()) (map[string]int, int) {
	seen := map[string]int{}
	tx := NewTx(s)
	cursor, calls := uint64(0), 0
	for {
		tx.Begin(db)
		cursor = tx.Scan(cursor, count, nil, func(key []byte, typ Type, expired bool) {
			if !expired {
				seen[string(key)]++
			}
		})
		calls++
		if cursor == 0 {
			return seen, calls
		}
		if between != nil {
			between()
		}
	}
}

func write(s *Store, fn func(tx *Tx)) {
	tx := lockAll(s, 0)
	fn(tx)
	tx.Unlock()
}

func TestScan_Empty(t *testing.T) {
	s, _, _ := newTestStore(t, 256)
	seen, calls := scanAll(s, 0, 10, nil)
	if len(seen) != 0 || calls != 1 {
		t.Fatal(seen, calls)
	}
}

func TestScan_Complete(t *testing.T) {
	for _, shards := range []int{1, 16, 256} {
		for _, count := range []int{1, 10, 1000} {
			t.Run(fmt.Sprintf("shards%d/count%d", shards, count), func(t *testing.T) {
				s, _, _ := newTestStore(t, shards)
				write(s, func(tx *Tx) {
					for i := range 1000 {
						tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), 0, false)
					}
				})
				seen, _ := scanAll(s, 0, count, nil)
				if len(seen) != 1000 {
					t.Fatal("missing keys", len(seen))
				}
				for k, n := range seen {
					if n != 1 {
						t.Fatal("duplicate", k, n)
					}
				}
			})
		}
	}
}

// Keys present for the whole iteration are returned even while others are
// added and deleted between calls.
func TestScan_GuaranteeUnderWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		s, _, _ := newTestStore(t, 1<<(round%5)*4)
		stable := map[string]bool{}
		write(s, func(tx *Tx) {
			for i := range 500 {
				k := fmt.Sprintf("stable%d", i)
				stable[k] = true
				tx.SetString([]byte(k), []byte("v"), 0, false)
			}
			for i := range 500 {
				tx.SetString(fmt.Appendf(nil, "churn%d", i), []byte("v"), 0, false)
			}
		})
		// The churning keys come from a bounded set, so the keyspace does not
		// outgrow the iteration.
		seen, _ := scanAll(s, 0, 1+rng.IntN(20), func() {
			write(s, func(tx *Tx) {
				for range 20 {
					k := fmt.Appendf(nil, "churn%d", rng.IntN(1500))
					if rng.IntN(2) == 0 {
						tx.Delete(k)
					} else {
						tx.SetString(k, []byte(longValue[:rng.IntN(100)]), 0, false)
					}
				}
			})
		})
		for k := range stable {
			if seen[k] != 1 {
				t.Fatalf("round %d: %s seen %d times", round, k, seen[k])
			}
		}
	}
}

// After mass deletion a keyspace is sparse: each call still does bounded work.
func TestScan_SparseIsBounded(t *testing.T) {
	s, _, _ := newTestStore(t, 1)
	write(s, func(tx *Tx) {
		for i := range 100_000 {
			tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), 0, false)
		}
		for i := range 100_000 {
			if i%10_000 != 0 {
				tx.Delete(fmt.Appendf(nil, "k%d", i))
			}
		}
	})
	ks := &s.shards[0].dbs[0]
	count, budget := 10, 100
	cur := ks.scan(0, &count, &budget, func(uint32) {})
	if budget != 0 || cur == 0 || cur > 100 {
		t.Fatalf("one call examined more than its budget: cursor %d", cur)
	}
	seen, calls := scanAll(s, 0, 10, nil)
	if len(seen) != 10 {
		t.Fatal(len(seen))
	}
	if calls < 100 {
		t.Fatalf("a sparse keyspace was walked in %d calls: work per call is not bounded", calls)
	}
}

func TestScan_MatchAndExpired(t *testing.T) {
	s, clk, log := newTestStore(t, 8)
	write(s, func(tx *Tx) {
		for i := range 100 {
			exp := int64(0)
			if i%2 == 0 {
				exp = clk.ms + 10
			}
			tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), exp, false)
		}
	})
	clk.ms += 10
	tx := NewTx(s)
	var live, expired int
	cursor := uint64(0)
	for {
		tx.Begin(0)
		cursor = tx.Scan(cursor, 7, func(k []byte) bool { return k[1] == '1' }, func(key []byte, typ Type, exp bool) {
			if key[1] != '1' || typ != TypeString {
				t.Fatalf("unmatched key %q", key)
			}
			if exp {
				expired++
			} else {
				live++
			}
		})
		if cursor == 0 {
			break
		}
	}
	// k1, k10..k19: 11 keys, 5 even ones expired.
	if live != 6 || expired != 5 || len(log.keys) != 5 {
		t.Fatal(live, expired, log.keys)
	}
	// Expired keys that did not match are left for later.
	write(s, func(tx *Tx) {
		if n := tx.DBSize(0); n != 95 {
			t.Fatal(n)
		}
	})
}

func TestScan_Cursor(t *testing.T) {
	s, _, _ := newTestStore(t, 256)
	for _, c := range []struct {
		shard int
		pos   uint32
	}{{0, 1}, {255, 0}, {7, 1 << 31}, {128, 1<<32 - 1}} {
		sh, pos := s.scanCursor(s.makeCursor(c.shard, c.pos))
		if sh != c.shard || pos != c.pos {
			t.Fatal(c, sh, pos)
		}
	}
	// Any cursor is safe, including ones never returned.
	tx := NewTx(s)
	for _, c := range []uint64{1<<64 - 1, 1 << 40, 12345} {
		tx.Begin(0)
		tx.Scan(c, 10, nil, func([]byte, Type, bool) {})
	}
}

// SCAN locks one shard at a time while other goroutines write and the
// active expiry cycle runs: stable keys are still all returned (run with
// -race).
func TestScan_ConcurrentWriters(t *testing.T) {
	s, clk, _ := newTestStore(t, 16)
	_ = clk
	write(s, func(tx *Tx) {
		for i := range 2000 {
			tx.SetString(fmt.Appendf(nil, "stable%d", i), []byte("v"), 0, false)
		}
	})
	stop := make(chan struct{})
	done := make(chan struct{})
	for w := range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			tx := NewTx(s)
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Appendf(nil, "churn%d-%d", w, rng.IntN(500))
				tx.Begin(0)
				tx.AddKey(k)
				tx.Lock()
				if i%3 == 0 {
					tx.Delete(k)
				} else {
					tx.SetString(k, []byte("v"), tx.Now()+int64(rng.IntN(3)), false)
				}
				tx.Unlock()
				if i%50 == 0 {
					s.ActiveExpire(0)
				}
			}
		}()
	}
	for range 5 {
		seen, _ := scanAll(s, 0, 7, nil)
		for i := range 2000 {
			if seen[fmt.Sprintf("stable%d", i)] != 1 {
				t.Errorf("stable%d seen %d times", i, seen[fmt.Sprintf("stable%d", i)])
			}
		}
	}
	close(stop)
	<-done
	<-done
}
