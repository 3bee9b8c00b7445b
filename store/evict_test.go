package store

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// evictAll evicts until nothing is eligible and returns the evicted keys in
// order, as "db:key".
func evictAll(s *Store, limit int) []string {
	var out []string
	for len(out) < limit && s.EvictOne(func(db int, key []byte) { out = append(out, fmt.Sprintf("%d:%s", db, key)) }) {
	}
	return out
}

func setKeys(s *Store, db int, keys ...string) {
	tx := lockAll(s, db)
	for _, k := range keys {
		tx.SetString([]byte(k), []byte("v"+k), 0, false)
	}
	tx.Unlock()
}

func TestEvict_LRUOrder(t *testing.T) {
	s, clk, _ := newTestStore(t, 1)
	s.SetPolicy(AllKeysLRU)
	setKeys(s, 0, "a", "b", "c", "d", "e")
	clk.ms += 1000
	tx := lockAll(s, 0)
	_, _, _ = tx.GetString([]byte("a")) // reads touch
	tx.Unlock()
	tx = lockAll(s, 0)
	tx.NoTouch() // introspection does not
	tx.Type([]byte("b"))
	tx.Object([]byte("b"))
	tx.Unlock()
	tx = lockAll(s, 0)
	tx.Exists([]byte("c")) // TOUCH looks keys up like this
	tx.SetString([]byte("d"), []byte("new"), 0, false)
	tx.Unlock()
	audit(t, s, "setup")
	got := evictAll(s, 100)
	want := []string{"0:b", "0:e", "0:a", "0:c", "0:d"}
	if !slices.Equal(got, want) {
		t.Fatalf("eviction order %v, want %v", got, want)
	}
	audit(t, s, "evictions")
	if s.KeyCount() != 0 || s.EvictOne(func(int, []byte) {}) {
		t.Fatal("keys left after evicting everything")
	}
}

// Across keyspaces of a shard, the one whose oldest key is idle longest
// gives the victim (clock resolution: a second).
func TestEvict_LRUAcrossDatabases(t *testing.T) {
	s, clk, _ := newTestStore(t, 1)
	s.SetPolicy(AllKeysLRU)
	setKeys(s, 1, "x1", "x2")
	clk.ms += 5000
	setKeys(s, 0, "y1")
	clk.ms += 5000
	setKeys(s, 1, "x3")
	got := evictAll(s, 100)
	want := []string{"1:x1", "1:x2", "0:y1", "1:x3"}
	if !slices.Equal(got, want) {
		t.Fatalf("eviction order %v, want %v", got, want)
	}
}

// TestEvict_VolatileOnly fills shards with keys with and without expiry:
// volatile policies evict only the former, and then report failure.
func TestEvict_VolatileOnly(t *testing.T) {
	for _, p := range []Policy{VolatileLRU, VolatileLFU, VolatileRandom, VolatileTTL} {
		t.Run(p.String(), func(t *testing.T) {
			s, clk, _ := newTestStore(t, 4)
			s.SetPolicy(p)
			tx := lockAll(s, 0)
			for i := range 200 {
				k := []byte("k" + strconv.Itoa(i))
				tx.SetString(k, []byte("v"), 0, false)
				if i%2 == 1 {
					tx.Expire(k, clk.ms+int64(1000+i), 0)
				}
			}
			tx.Unlock()
			got := evictAll(s, 1000)
			if len(got) != 100 {
				t.Fatalf("evicted %d keys, want the 100 volatile ones", len(got))
			}
			for _, k := range got {
				if n, _ := strconv.Atoi(k[3:]); n%2 == 0 {
					t.Fatalf("evicted %s, which has no expiry", k)
				}
			}
			audit(t, s, "evictions")
			if s.KeyCount() != 100 {
				t.Fatalf("%d keys left", s.KeyCount())
			}
		})
	}
}

func TestEvict_AllKeysEvictsEverything(t *testing.T) {
	for _, p := range []Policy{AllKeysLRU, AllKeysLFU, AllKeysRandom} {
		t.Run(p.String(), func(t *testing.T) {
			s, clk, _ := newTestStore(t, 4)
			s.SetPolicy(p)
			tx := lockAll(s, 2)
			for i := range 100 {
				k := []byte("k" + strconv.Itoa(i))
				_, _ = tx.SAdd(k, [][]byte{[]byte("a"), []byte("b")})
				if i%3 == 0 {
					tx.Expire(k, clk.ms+60000, 0)
				}
			}
			tx.Unlock()
			if got := evictAll(s, 1000); len(got) != 100 {
				t.Fatalf("evicted %d keys, want 100", len(got))
			}
			audit(t, s, "evictions")
			if s.UsedMemory() != s.OverheadMemory() {
				t.Fatalf("dataset bytes left: %d", s.UsedMemory()-s.OverheadMemory())
			}
		})
	}
}

func TestEvict_NoEviction(t *testing.T) {
	s, _, _ := newTestStore(t, 2)
	setKeys(s, 0, "a", "b")
	if s.EvictOne(func(int, []byte) { t.Fatal("evicted under noeviction") }) {
		t.Fatal("EvictOne reported an eviction")
	}
}

// volatile-ttl takes the nearest expiry among its samples; with samples
// covering the keyspace, evictions go in expiry order.
func TestEvict_VolatileTTLOrder(t *testing.T) {
	s, clk, _ := newTestStore(t, 1)
	s.SetPolicy(VolatileTTL)
	s.SetEvictionParams(400, 10, 1)
	tx := lockAll(s, 0)
	order := []int{7, 3, 9, 1, 5, 0, 8, 2, 6, 4}
	for _, i := range order {
		k := []byte("k" + strconv.Itoa(i))
		tx.SetString(k, []byte("v"), 0, false)
		tx.Expire(k, clk.ms+int64(10000+1000*i), 0)
	}
	tx.SetString([]byte("forever"), []byte("v"), 0, false)
	tx.Unlock()
	got := evictAll(s, 100)
	want := []string{"0:k0", "0:k1", "0:k2", "0:k3", "0:k4", "0:k5", "0:k6", "0:k7", "0:k8", "0:k9"}
	if !slices.Equal(got, want) {
		t.Fatalf("eviction order %v, want %v", got, want)
	}
}

// allkeys-lfu keeps the keys accessed often.
func TestEvict_LFUKeepsFrequent(t *testing.T) {
	s, _, _ := newTestStore(t, 2)
	s.SetPolicy(AllKeysLFU)
	s.SetEvictionParams(50, 10, 1)
	tx := lockAll(s, 0)
	for i := range 40 {
		tx.SetString([]byte("k"+strconv.Itoa(i)), []byte("v"), 0, false)
	}
	tx.Unlock()
	for range 200 {
		tx := lockAll(s, 0)
		for i := range 5 {
			_, _, _ = tx.GetString([]byte("k" + strconv.Itoa(i)))
		}
		tx.Unlock()
	}
	tx = lockAll(s, 0)
	tx.NoTouch()
	info, _ := tx.Object([]byte("k0"))
	cold, _ := tx.Object([]byte("k30"))
	tx.Unlock()
	if info.Freq <= lfuInitVal || cold.Freq != lfuInitVal {
		t.Fatalf("OBJECT FREQ: hot %d, cold %d", info.Freq, cold.Freq)
	}
	got := evictAll(s, 35)
	for _, k := range got {
		if n, _ := strconv.Atoi(k[3:]); n < 5 {
			t.Fatalf("evicted hot key %s among the first 35", k)
		}
	}
}

func TestLFU_Counter(t *testing.T) {
	// LFULogIncr: below LFU_INIT_VAL always increments, saturates at 255,
	// and the probability falls as 1/((c-5)*factor+1).
	for _, c := range []struct {
		counter uint32
		factor  float64
		r       float64
		want    uint32
	}{
		{0, 10, 0.99, 1}, {5, 10, 0.99, 6}, {255, 0, 0, 255}, {6, 10, 0.05, 7}, {6, 10, 0.1, 6}, {15, 10, 0.0099, 16}, {15, 10, 0.0100, 15},
	} {
		if got := lfuLogIncr(c.counter, c.factor, c.r); got != c.want {
			t.Errorf("lfuLogIncr(%d, %v, %v) = %d, want %d", c.counter, c.factor, c.r, got, c.want)
		}
	}
	// LFUDecrAndReturn: one per decay period elapsed, with the minutes clock
	// wrapping at 16 bits.
	for _, c := range []struct {
		ldt, counter, now uint32
		decay             int64
		want              uint32
	}{
		{100, 20, 100, 1, 20}, {100, 20, 105, 1, 15}, {100, 20, 105, 2, 18}, {100, 20, 200, 1, 0},
		{100, 20, 105, 0, 20}, {65530, 20, 3, 1, 12}, {0, 255, 1, 1, 254},
	} {
		if got := lfuDecr(c.ldt<<8|c.counter, c.now, c.decay); got != c.want {
			t.Errorf("lfuDecr(ldt %d counter %d, now %d, decay %d) = %d, want %d", c.ldt, c.counter, c.now, c.decay, got, c.want)
		}
	}
}

// allkeys-random picks every key with the same probability, whatever the
// shard sizes.
func TestEvict_RandomUniform(t *testing.T) {
	counts := map[string]int{}
	const trials = 3000
	for range trials {
		s := New(Options{Databases: 2, Shards: 4})
		s.SetPolicy(AllKeysRandom)
		setKeys(s, 0, "a", "b", "c", "d", "e", "f")
		setKeys(s, 1, "g", "h", "i", "j")
		s.EvictOne(func(db int, key []byte) { counts[string(key)]++ })
	}
	for k, n := range counts {
		// Expect 300 each; 5 sigma is about 80.
		if n < 220 || n > 380 {
			t.Errorf("key %s evicted first %d times in %d, want about %d", k, n, trials, trials/10)
		}
	}
	if len(counts) != 10 {
		t.Errorf("only %d keys ever evicted", len(counts))
	}
}

// Switching to an LRU policy builds the lists in access-clock order; away
// from it drops them and what they cost.
func TestEvict_PolicySwitch(t *testing.T) {
	s, clk, _ := newTestStore(t, 1)
	setKeys(s, 0, "old")
	clk.ms += 3000
	setKeys(s, 0, "new")
	clk.ms += 3000
	setKeys(s, 0, "newest")
	base := s.UsedMemory()
	s.SetPolicy(AllKeysLRU)
	audit(t, s, "switch to LRU")
	if s.UsedMemory() <= base {
		t.Fatalf("LRU tracking costs nothing: %d -> %d", base, s.UsedMemory())
	}
	s.SetPolicy(AllKeysLFU)
	audit(t, s, "switch to LFU")
	if s.UsedMemory() != base {
		t.Fatalf("dropping the lists leaves %d bytes, want %d", s.UsedMemory(), base)
	}
	s.SetPolicy(VolatileLRU)
	tx := lockAll(s, 0)
	tx.Expire([]byte("new"), clk.ms+1000, 0)
	tx.Unlock()
	audit(t, s, "volatile-lru")
	s.SetPolicy(AllKeysLRU)
	if got := evictAll(s, 10); !slices.Equal(got, []string{"0:old", "0:new", "0:newest"}) {
		t.Fatalf("rebuilt order %v", got)
	}
}

// Writers, evictors, active expiry and policy switches run concurrently;
// afterwards the totals still equal a recount.
func TestEvict_Concurrent(t *testing.T) {
	s, _, _ := newTestStore(t, 16)
	s.SetPolicy(AllKeysLRU)
	var wg, writers sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			tx := NewTx(s)
			for i := range 1500 {
				k := []byte("k" + strconv.Itoa((i*7+w*13)%500))
				tx.Begin(w % 2)
				tx.AddKey(k)
				tx.Lock()
				switch i % 4 {
				case 0:
					tx.SetString(k, make([]byte, i%100), 0, false)
				case 1:
					_, _ = tx.HSet(k, [][]byte{[]byte("f"), []byte(strconv.Itoa(i))})
				case 2:
					tx.Expire(k, tx.Now()+int64(i%50), 0)
				case 3:
					_, _, _ = tx.GetString(k)
				}
				tx.Unlock()
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s.EvictOne(func(int, []byte) {})
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ps := []Policy{AllKeysLFU, VolatileLRU, AllKeysRandom, VolatileTTL, AllKeysLRU}
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			s.SetPolicy(ps[i%len(ps)])
			s.ActiveExpire(time.Millisecond)
		}
	}()
	writers.Wait()
	close(stop)
	wg.Wait()
	audit(t, s, "concurrent run")
}

// TestLRU_FreedHandlesKeepTheirEntries replaces keys one for one under
// allkeys-lru, as eviction does: the new key reuses the freed handle and its
// recency entry, so the churn allocates nothing, and the new key is the
// most recently used.
func TestLRU_FreedHandlesKeepTheirEntries(t *testing.T) {
	s, _, _ := newTestStore(t, 1)
	s.SetPolicy(AllKeysLRU)
	tx := lockAll(s, 0)
	defer tx.Unlock()
	keys := benchKeys(4096)
	val := []byte("0123456789")
	for _, k := range keys[:2048] {
		tx.SetString(k, val, 0, false)
	}
	i := 0
	churn := func() {
		tx.Delete(keys[i%4096])
		tx.SetString(keys[(i+2048)%4096], val, 0, false)
		i++
	}
	for range 4096 {
		churn() // warm up: arena holes, free lists
	}
	if n := testing.AllocsPerRun(2000, churn); n > 0.01 {
		t.Errorf("%.2f allocations per replaced key", n)
	}
	newest := keys[(i+2047)%4096]
	ks, hash := tx.keyspace(0, newest)
	h, _, ok := ks.lookup(newest, hash)
	if front := ks.lru.l.Keys(); !ok || front[len(front)-1] != h {
		t.Errorf("the newest key is not at the front of the recency list")
	}
	tx.Unlock()
	audit(t, s, "churn")
	tx.Lock()
}
