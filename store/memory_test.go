package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
)

func TestAllocSize(t *testing.T) {
	for _, c := range []struct{ n, want int64 }{
		{0, 0}, {-3, 0}, {1, 8}, {8, 8}, {9, 16}, {24, 24}, {25, 32}, {33, 48}, {1000, 1024}, {1024, 1024},
		{1025, 1152}, {3073, 3200}, {32768, 32768}, {32769, 40960}, {1 << 20, 1 << 20},
	} {
		if got := allocSize(int(c.n)); got != c.want {
			t.Errorf("allocSize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	// Every class maps to itself and the next byte to the next class.
	for i := 1; i < len(goSizeClasses); i++ {
		c := int(goSizeClasses[i])
		if allocSize(c) != int64(c) || (i+1 < len(goSizeClasses) && allocSize(c+1) != int64(goSizeClasses[i+1])) {
			t.Fatalf("class %d misplaced", c)
		}
	}
}

func audit(t *testing.T, s *Store, step string) {
	t.Helper()
	if err := s.auditMemory(); err != nil {
		t.Fatalf("after %s: %v", step, err)
	}
}

// TestMemory_RandomOps applies random operations of every kind and checks
// after each that the running totals equal a full recount: the keyspace
// figures, every object's recorded size, the shard and store sums, the key
// counts and the recency lists.
func TestMemory_RandomOps(t *testing.T) {
	s, clk, _ := newTestStore(t, 8)
	s.Limits().HashMaxListpackEntries.Store(8)
	s.Limits().SetMaxIntsetEntries.Store(8)
	s.Limits().ZSetMaxListpackEntries.Store(8)
	r := rand.New(rand.NewPCG(7, 11))
	key := func() []byte { return []byte("k" + strconv.Itoa(r.IntN(40))) }
	val := func() []byte {
		switch r.IntN(4) {
		case 0:
			return []byte(strconv.Itoa(r.IntN(100000)))
		case 1:
			return make([]byte, r.IntN(200))
		}
		return []byte(fmt.Sprintf("v%0*d", r.IntN(40), r.IntN(1000)))
	}
	policies := []Policy{NoEviction, AllKeysLRU, VolatileLRU, AllKeysLFU, VolatileTTL, AllKeysRandom}
	for step := 0; step < 4000; step++ {
		op := r.IntN(26)
		if op == 23 {
			s.SetPolicy(policies[r.IntN(len(policies))])
			audit(t, s, "SetPolicy")
			continue
		}
		if op == 22 {
			s.EvictOne(func(int, []byte) {})
			audit(t, s, "EvictOne")
			continue
		}
		if op == 21 {
			clk.ms += int64(r.IntN(3000))
			s.ActiveExpire(1 << 30)
			audit(t, s, "ActiveExpire")
			continue
		}
		tx := lockAll(s, r.IntN(2))
		name := ""
		switch op {
		case 0, 1:
			name = "SET"
			tx.SetString(key(), val(), 0, false)
		case 2:
			name = "APPEND"
			_, _ = tx.Append(key(), val(), 1<<20)
		case 3:
			name = "SETRANGE"
			_, _, _ = tx.SetRange(key(), int64(r.IntN(300)), val(), 1<<20)
		case 4:
			name = "INCR"
			_, _ = tx.IncrBy(key(), 1)
		case 5:
			name = "HSET"
			_, _ = tx.HSet(key(), [][]byte{val(), val(), val(), val()})
		case 6:
			name = "HDEL"
			_, _, _ = tx.HDel(key(), [][]byte{val(), val()})
		case 7:
			name = "SADD"
			_, _ = tx.SAdd(key(), [][]byte{val(), val(), val()})
		case 8:
			name = "SREM"
			_, _, _ = tx.SRem(key(), [][]byte{val(), val()})
		case 9:
			name = "ZADD"
			_, _ = tx.ZAdd(key(), 0, []float64{r.Float64(), r.Float64()}, [][]byte{val(), val()})
		case 10:
			name = "ZREM"
			_, _, _ = tx.ZRem(key(), [][]byte{val(), val()})
		case 11:
			name = "DEL"
			tx.Delete(key())
		case 12:
			name = "EXPIRE"
			tx.Expire(key(), clk.ms+int64(r.IntN(5000))-500, 0)
		case 13:
			name = "PERSIST"
			tx.Persist(key())
		case 14:
			name = "RENAME"
			_, _ = tx.Rename(key(), key(), r.IntN(2) == 0)
		case 15:
			name = "COPY"
			tx.Copy(key(), r.IntN(2), key(), true)
		case 16:
			name = "MOVE"
			tx.Move(key(), 1-tx.DB())
		case 17:
			// As the server runs read-only commands: only expiry and a new
			// recency list are settled.
			name = "GET"
			tx.SetReadOnly()
			_, _, _ = tx.GetString(key())
			_, _ = tx.GetHash(key())
			_, _ = tx.GetSet(key())
			tx.Exists(key())
		case 18:
			if r.IntN(10) == 0 {
				name = "FLUSHDB"
				tx.FlushDB(tx.DB())
			} else {
				name = "SWAPDB"
				tx.SwapDB(0, 1)
			}
		case 19:
			name = "SMOVE"
			_, _ = tx.SMove(key(), key(), val())
		case 20:
			name = "SPOP"
			_, _, _ = tx.SPopCount(key(), int64(r.IntN(5)), func([]byte) {})
		case 24:
			name = "RPUSH"
			_, _ = tx.ListPush(key(), [][]byte{val(), val(), val()}, r.IntN(2) == 0, false)
		case 25:
			name = "LPOP"
			_, _, _ = tx.ListPop(key(), r.IntN(2) == 0, 1+r.IntN(3), func([]byte) {})
		}
		tx.Unlock()
		audit(t, s, fmt.Sprintf("step %d %s", step, name))
	}
	if s.UsedMemory() <= 0 || s.KeyCount() == 0 {
		t.Fatalf("nothing counted: %d bytes, %d keys", s.UsedMemory(), s.KeyCount())
	}
	// Emptying everything brings every total back to the empty keyspaces'.
	tx := lockAll(s, 0)
	tx.FlushAll()
	tx.Unlock()
	audit(t, s, "FLUSHALL")
	if s.KeyCount() != 0 || s.UsedMemory() != s.OverheadMemory() {
		t.Fatalf("after FLUSHALL: %d keys, %d bytes (%d overhead)", s.KeyCount(), s.UsedMemory(), s.OverheadMemory())
	}
}

// liveHeap is the live heap after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	sm := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sm)
	return int64(sm[0].Value.Uint64())
}

// loadMixed fills db 0 with n keys: small, integer and large strings,
// small and big hashes, sets and sorted sets, a tenth with an expiry.
func loadMixed(s *Store, n int) {
	tx := NewTx(s)
	r := rand.New(rand.NewPCG(1, 2))
	pad := func(k int) []byte { return make([]byte, k) }
	for i := 0; i < n; i++ {
		key := []byte(fmt.Sprintf("key:%08d", i))
		zkey := []byte(fmt.Sprintf("zkey:%08d", i))
		tx.Begin(0)
		tx.AddKey(key)
		tx.AddKey(zkey)
		tx.Lock()
		switch k := i % 20; {
		case k < 10:
			tx.SetString(key, pad(5+r.IntN(20)), 0, false)
		case k < 12:
			tx.SetString(key, []byte(strconv.Itoa(r.IntN(1<<30))), 0, false)
		case k < 14:
			tx.SetString(key, pad(65+r.IntN(400)), 0, false)
		case k < 16:
			pairs := make([][]byte, 0, 10)
			for f := range 5 {
				pairs = append(pairs, []byte("field"+strconv.Itoa(f)), pad(r.IntN(16)))
			}
			_, _ = tx.HSet(key, pairs)
		case k == 16:
			ms := make([][]byte, 0, 8)
			for range 8 {
				ms = append(ms, []byte(strconv.Itoa(r.IntN(1e6))))
			}
			_, _ = tx.SAdd(key, ms)
		case k == 17:
			ms := make([][]byte, 0, 8)
			for range 8 {
				ms = append(ms, []byte("m"+strconv.Itoa(r.IntN(1e6))))
			}
			_, _ = tx.SAdd(key, ms)
		case k == 18:
			ms := make([][]byte, 0, 6)
			sc := make([]float64, 0, 6)
			for range 6 {
				ms = append(ms, []byte("m"+strconv.Itoa(r.IntN(1e6))))
				sc = append(sc, r.Float64())
			}
			_, _ = tx.ZAdd(key, 0, sc, ms)
		case k == 19 && i%40 == 19:
			vals := make([][]byte, 0, 6)
			for range 6 {
				vals = append(vals, pad(4+r.IntN(12)))
			}
			_, _ = tx.ListPush(key, vals, r.IntN(2) == 0, false)
			if i%4000 == 19 {
				big := make([][]byte, 0, 2000)
				for range 2000 {
					big = append(big, pad(r.IntN(40)))
				}
				_, _ = tx.ListPush(zkey, big, false, false)
			}
		default:
			if i%200 == 39 {
				// An occasional big collection.
				pairs := make([][]byte, 0, 600)
				for f := range 300 {
					pairs = append(pairs, []byte("f"+strconv.Itoa(f)), pad(8))
				}
				_, _ = tx.HSet(key, pairs)
				ms := make([][]byte, 0, 200)
				sc := make([]float64, 0, 200)
				for m := range 200 {
					ms = append(ms, []byte("member"+strconv.Itoa(m)))
					sc = append(sc, float64(m))
				}
				_, _ = tx.ZAdd(zkey, 0, sc, ms)
			} else {
				tx.SetString(key, pad(10), 0, false)
			}
		}
		if i%10 == 0 {
			tx.Expire(key, tx.Now()+3_600_000, 0)
		}
		tx.Unlock()
	}
}

// TestMemory_MatchesHeap loads a mixed dataset and compares the running
// total with the live heap it added, with and without LRU tracking. The
// issue's target is ±10% at a million keys (EMBER_MEM_KEYS=1000000).
func TestMemory_MatchesHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a large dataset")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("EMBER_MEM_KEYS")); err == nil && v > 0 {
		n = v
	}
	for _, p := range []Policy{NoEviction, AllKeysLRU} {
		t.Run(p.String(), func(t *testing.T) {
			s := New(Options{})
			s.SetPolicy(p)
			before := liveHeap()
			loadMixed(s, n)
			heap := liveHeap() - before
			used := s.UsedMemory()
			t.Logf("%d keys: used %d (%.1f B/key), heap %d (%.1f B/key): %+.1f%%", s.KeyCount(), used,
				float64(used)/float64(s.KeyCount()), heap, float64(heap)/float64(s.KeyCount()), 100*float64(used-heap)/float64(heap))
			if d := float64(used-heap) / float64(heap); d < -0.10 || d > 0.10 {
				t.Errorf("used_memory %d is %+.1f%% off the heap's %d", used, 100*d, heap)
			}
			if d := float64(s.RetainedMemory()-heap) / float64(heap); d < -0.05 || d > 0.05 {
				t.Errorf("retained %d is %+.1f%% off the heap's %d", s.RetainedMemory(), 100*d, heap)
			}
			runtime.KeepAlive(s)
		})
	}
	// Under eviction the keys are replaced all the time: the totals must
	// still follow the heap.
	t.Run("eviction churn", func(t *testing.T) {
		// 16 shards give each keyspace the size a million keys give 256.
		s := New(Options{Shards: 16})
		s.SetPolicy(AllKeysLRU)
		before := liveHeap()
		tx := NewTx(s)
		limit := int64(n) * 150
		for i := 0; i < 4*n; i++ {
			for s.UsedMemory() > limit {
				s.EvictOne(func(int, []byte) {})
			}
			key := []byte(fmt.Sprintf("key:%012d", i))
			tx.Begin(0)
			tx.AddKey(key)
			tx.Lock()
			tx.SetString(key, make([]byte, 5+i%80), 0, false)
			tx.Unlock()
		}
		heap := liveHeap() - before
		used, kept := s.UsedMemory(), s.RetainedMemory()
		t.Logf("%d keys: used %d, retained %d, heap %d: %+.1f%%, %+.1f%%", s.KeyCount(), used, kept, heap,
			100*float64(used-heap)/float64(heap), 100*float64(kept-heap)/float64(heap))
		// used_memory leaves out the slots and arena space evicted keys
		// left for new ones (an allocator's free space); retained counts
		// them.
		if d := float64(used-heap) / float64(heap); d < -0.15 || d > 0.05 {
			t.Errorf("used_memory %d is %+.1f%% off the heap's %d", used, 100*d, heap)
		}
		if d := float64(kept-heap) / float64(heap); d < -0.05 || d > 0.05 {
			t.Errorf("retained %d is %+.1f%% off the heap's %d", kept, 100*d, heap)
		}
		runtime.KeepAlive(s)
	})
}

// MEMORY USAGE of a key depends on the key and its value only, not on how
// many other keys share its shard (which changes with the hash seed from
// run to run): keys of the same length with the same value report the
// same figure however unevenly 40 keys spread over 16 shards.
func TestKeyMemoryIndependentOfShardPopulation(t *testing.T) {
	s := New(Options{Shards: 16})
	tx := NewTx(s)
	for i := range 40 {
		key := []byte(fmt.Sprintf("k%02d", i))
		tx.Begin(0)
		tx.AddKey(key)
		tx.Lock()
		tx.SetString(key, []byte("value"), 0, false)
		tx.Unlock()
	}
	var first int64
	for i := range 40 {
		key := []byte(fmt.Sprintf("k%02d", i))
		tx.Begin(0)
		tx.AddKey(key)
		tx.Lock()
		n, ok := tx.KeyMemory(key)
		tx.Unlock()
		if !ok {
			t.Fatalf("%s missing", key)
		}
		if i == 0 {
			first = n
		} else if n != first {
			t.Fatalf("MEMORY USAGE %s = %d, k00 = %d", key, n, first)
		}
	}
}
