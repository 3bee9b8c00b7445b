package store

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// fakeColl stands in for the collection types in generic tests.
type fakeColl struct{ items []string }

func (f *fakeColl) Encoding() Encoding     { return EncListpack }
func (f *fakeColl) Len() int               { return len(f.items) }
func (f *fakeColl) cloneValue() collection { return &fakeColl{items: slices.Clone(f.items)} }

// clock is an injectable store clock.
type clock struct{ ms int64 }

func (c *clock) now() int64 { return c.ms }

// expiredLog records what the store reports to its observer.
type expiredLog struct {
	mu   sync.Mutex
	keys []string
}

func (e *expiredLog) KeyExpired(db int, key []byte) {
	e.mu.Lock()
	e.keys = append(e.keys, fmt.Sprintf("%d:%s", db, key))
	e.mu.Unlock()
}

func newTestStore(t testing.TB, shards int) (*Store, *clock, *expiredLog) {
	t.Helper()
	c := &clock{ms: 1_700_000_000_000}
	s := New(Options{Databases: 4, Shards: shards, Now: c.now})
	log := &expiredLog{}
	s.SetObserver(log)
	return s, c, log
}

// lockAll begins a Tx on db holding every shard.
func lockAll(s *Store, db int) *Tx {
	tx := NewTx(s)
	tx.Begin(db)
	tx.AddAll()
	tx.Lock()
	return tx
}

func setColl(tx *Tx, key string, items ...string) {
	obj, _, err := tx.objectForWrite([]byte(key), TypeList, func() collection { return &fakeColl{} })
	if err != nil {
		panic(err)
	}
	obj.(*fakeColl).items = append(obj.(*fakeColl).items, items...)
}

func getColl(t *testing.T, tx *Tx, key string) []string {
	t.Helper()
	obj, err := tx.getObject([]byte(key), TypeList)
	if err != nil || obj == nil {
		t.Fatalf("%s: %v %v", key, obj, err)
	}
	return obj.(*fakeColl).items
}

func getStr(tx *Tx, key string) (string, bool) {
	v, ok, _ := tx.GetString([]byte(key))
	return string(v), ok
}

var longValue = string(bytes.Repeat([]byte("x"), 200))

func TestGeneric_Rename(t *testing.T) {
	for _, val := range []string{"v", "12", longValue} {
		t.Run(fmt.Sprintf("len%d", len(val)), func(t *testing.T) {
			s, c, _ := newTestStore(t, 1) // one shard: src and dst share an arena
			tx := lockAll(s, 0)
			defer tx.Unlock()
			tx.SetString([]byte("src"), []byte(val), c.ms+5000, false)
			tx.SetString([]byte("dst"), []byte("old"), 0, false)
			ok, err := tx.Rename([]byte("src"), []byte("dst"), true)
			if ok || err != nil {
				t.Fatalf("RENAMENX onto existing: %v %v", ok, err)
			}
			ok, err = tx.Rename([]byte("src"), []byte("dst"), false)
			if !ok || err != nil {
				t.Fatalf("RENAME: %v %v", ok, err)
			}
			if v, ok := getStr(tx, "dst"); !ok || v != val {
				t.Fatalf("dst = %q %v", v, ok)
			}
			if tx.Exists([]byte("src")) {
				t.Fatal("src still exists")
			}
			if at, _ := tx.Expiry([]byte("dst")); at != c.ms+5000 {
				t.Fatalf("expiry not moved: %d", at)
			}
			if _, err := tx.Rename([]byte("src"), []byte("x"), false); err != ErrNoSuchKey {
				t.Fatalf("missing src: %v", err)
			}
			if ok, err := tx.Rename([]byte("dst"), []byte("dst"), false); !ok || err != nil {
				t.Fatal("rename onto itself")
			}
			if ok, _ := tx.Rename([]byte("dst"), []byte("dst"), true); ok {
				t.Fatal("renamenx onto itself")
			}
			// dst without expiry replaced by a key with one, and vice versa.
			tx.SetString([]byte("a"), []byte("1"), 0, false)
			tx.SetString([]byte("b"), []byte("2"), c.ms+1000, false)
			tx.Rename([]byte("a"), []byte("b"), false)
			if at, _ := tx.Expiry([]byte("b")); at != 0 {
				t.Fatalf("renamed key inherited the target's expiry: %d", at)
			}
		})
	}
}

func TestGeneric_RenameCollection(t *testing.T) {
	s, _, _ := newTestStore(t, 1)
	tx := lockAll(s, 0)
	defer tx.Unlock()
	setColl(tx, "l", "a", "b")
	tx.SetString([]byte("dst"), []byte(longValue), 0, false)
	if ok, err := tx.Rename([]byte("l"), []byte("dst"), false); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if got := getColl(t, tx, "dst"); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatal(got)
	}
	if tx.Type([]byte("dst")) != TypeList || tx.Exists([]byte("l")) {
		t.Fatal("type or source wrong")
	}
}

func TestGeneric_Copy(t *testing.T) {
	s, c, _ := newTestStore(t, 4)
	tx := lockAll(s, 0)
	defer tx.Unlock()
	setColl(tx, "l", "a")
	tx.SetExpiry([]byte("l"), c.ms+9000)
	if !tx.Copy([]byte("l"), 2, []byte("l2"), false) {
		t.Fatal("copy to db 2")
	}
	setColl(tx, "l", "b") // the copy is independent
	tx.SetDB(2)
	if got := getColl(t, tx, "l2"); !slices.Equal(got, []string{"a"}) {
		t.Fatal(got)
	}
	if at, _ := tx.Expiry([]byte("l2")); at != c.ms+9000 {
		t.Fatal("expiry not copied", at)
	}
	tx.SetDB(0)
	tx.SetString([]byte("s"), []byte("5"), 0, false)
	if tx.Copy([]byte("s"), 2, []byte("l2"), false) {
		t.Fatal("copy replaced without REPLACE")
	}
	if !tx.Copy([]byte("s"), 2, []byte("l2"), true) {
		t.Fatal("copy with REPLACE")
	}
	if tx.Copy([]byte("missing"), 0, []byte("x"), true) {
		t.Fatal("copy of a missing key")
	}
	info, _ := tx.Object([]byte("s"))
	if !info.SharedInt {
		t.Fatal("small integer should be shared")
	}
	tx.SetDB(2)
	if v, _ := getStr(tx, "l2"); v != "5" {
		t.Fatal(v)
	}
	info, _ = tx.Object([]byte("l2"))
	if info.SharedInt || info.Encoding != EncInt {
		t.Fatalf("a copied integer is private: %+v", info)
	}
	if at, _ := tx.Expiry([]byte("l2")); at != 0 {
		t.Fatal("copy kept the replaced key's expiry")
	}
}

func TestGeneric_Move(t *testing.T) {
	s, c, _ := newTestStore(t, 2)
	tx := lockAll(s, 0)
	defer tx.Unlock()
	tx.SetString([]byte("k"), []byte(longValue), c.ms+100, false)
	setColl(tx, "l", "x")
	if !tx.Move([]byte("k"), 1) || !tx.Move([]byte("l"), 3) {
		t.Fatal("move")
	}
	if tx.Move([]byte("k"), 1) {
		t.Fatal("moved a missing key")
	}
	tx.SetDB(1)
	if v, _ := getStr(tx, "k"); v != longValue {
		t.Fatal("value lost")
	}
	if at, _ := tx.Expiry([]byte("k")); at != c.ms+100 {
		t.Fatal("expiry lost")
	}
	tx.SetString([]byte("l"), []byte("taken"), 0, false)
	tx.SetDB(3)
	if tx.Move([]byte("l"), 1) {
		t.Fatal("moved onto an existing key")
	}
	if got := getColl(t, tx, "l"); !slices.Equal(got, []string{"x"}) {
		t.Fatal(got)
	}
}

func TestGeneric_FlushSwap(t *testing.T) {
	s, _, _ := newTestStore(t, 8)
	tx := lockAll(s, 0)
	defer tx.Unlock()
	for i := range 100 {
		tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), 0, false)
	}
	setColl(tx, "l", "a")
	tx.SwapDB(0, 3)
	if n := tx.DBSize(0); n != 0 {
		t.Fatal(n)
	}
	if n := tx.DBSize(3); n != 101 {
		t.Fatal(n)
	}
	tx.SetDB(3)
	if getColl(t, tx, "l")[0] != "a" {
		t.Fatal("collection lost in swap")
	}
	if n := tx.FlushDB(3); n != 101 || tx.DBSize(3) != 0 {
		t.Fatal(n)
	}
	tx.SetString([]byte("a"), []byte("1"), 0, false)
	tx.SetDB(1)
	tx.SetString([]byte("b"), []byte("1"), 0, false)
	if n := tx.FlushAll(); n != 2 {
		t.Fatal(n)
	}
}

func TestGeneric_Expire(t *testing.T) {
	const none = int64(0)
	type tc struct {
		name  string
		cur   int64 // relative to now; 0 for none
		at    int64 // relative to now
		flags ExpireFlags
		want  ExpireResult
	}
	cases := []tc{
		{"plain", none, 1000, 0, ExpireSet},
		{"past deletes", none, -1, 0, ExpireDeleted},
		{"now deletes", 500, 0, 0, ExpireDeleted},
		{"nx without ttl", none, 1000, ExpireNX, ExpireSet},
		{"nx with ttl", 500, 1000, ExpireNX, ExpireSkipped},
		{"xx without ttl", none, 1000, ExpireXX, ExpireSkipped},
		{"xx with ttl", 500, 1000, ExpireXX, ExpireSet},
		{"gt greater", 500, 1000, ExpireGT, ExpireSet},
		{"gt equal", 500, 500, ExpireGT, ExpireSkipped},
		{"gt without ttl", none, 1000, ExpireGT, ExpireSkipped},
		{"lt lower", 1000, 500, ExpireLT, ExpireSet},
		{"lt equal", 1000, 1000, ExpireLT, ExpireSkipped},
		{"lt without ttl", none, 1000, ExpireLT, ExpireSet},
		{"lt past without ttl", none, -5, ExpireLT, ExpireDeleted},
		{"xx lt without ttl", none, 10, ExpireXX | ExpireLT, ExpireSkipped},
		{"xx gt", 10, 20, ExpireXX | ExpireGT, ExpireSet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, clk, _ := newTestStore(t, 1)
			tx := lockAll(s, 0)
			defer tx.Unlock()
			k := []byte("k")
			if tx.Expire(k, clk.ms+1000, c.flags) != ExpireNoKey {
				t.Fatal("missing key")
			}
			cur := none
			if c.cur != none {
				cur = clk.ms + c.cur
			}
			tx.SetString(k, []byte("v"), cur, false)
			got := tx.Expire(k, clk.ms+c.at, c.flags)
			if got != c.want {
				t.Fatalf("got %d want %d", got, c.want)
			}
			at, exists := tx.Expiry(k)
			switch got {
			case ExpireSet:
				if at != clk.ms+c.at {
					t.Fatalf("expiry %d", at-clk.ms)
				}
			case ExpireSkipped:
				if at != cur {
					t.Fatal("expiry changed")
				}
			case ExpireDeleted:
				if exists {
					t.Fatal("not deleted")
				}
			}
		})
	}
}

func TestGeneric_PersistAndLazyExpiry(t *testing.T) {
	s, clk, log := newTestStore(t, 4)
	tx := lockAll(s, 1)
	k := []byte("k")
	tx.SetString(k, []byte("v"), clk.ms+1000, false)
	if !tx.Persist(k) || tx.Persist(k) || tx.Persist([]byte("nokey")) {
		t.Fatal("persist")
	}
	tx.Expire(k, clk.ms+1000, 0)
	tx.Unlock()

	clk.ms += 999
	tx = lockAll(s, 1)
	if !tx.Exists(k) {
		t.Fatal("expired early")
	}
	tx.Unlock()
	clk.ms++
	tx = lockAll(s, 1)
	if tx.DBSize(1) != 1 {
		t.Fatal("DBSIZE counts keys not yet reclaimed")
	}
	if tx.Exists(k) {
		t.Fatal("expired key found")
	}
	if tx.DBSize(1) != 0 || !slices.Equal(log.keys, []string{"1:k"}) {
		t.Fatal(tx.DBSize(1), log.keys)
	}
	tx.Unlock()
}

func TestGeneric_AccessTime(t *testing.T) {
	s, clk, _ := newTestStore(t, 4)
	k := []byte("k")
	run := func(noTouch bool, fn func(tx *Tx)) {
		tx := lockAll(s, 0)
		if noTouch {
			tx.NoTouch()
		}
		fn(tx)
		tx.Unlock()
	}
	idle := func() int64 {
		var info ObjectInfo
		run(true, func(tx *Tx) { info, _ = tx.Object(k) })
		return info.IdleMs
	}
	run(false, func(tx *Tx) { tx.SetString(k, []byte("v"), 0, false) })
	if n := idle(); n != 0 {
		t.Fatal("new key idle", n)
	}
	clk.ms += 5000
	run(true, func(tx *Tx) { tx.Exists(k); tx.Type(k); tx.Expiry(k) })
	if n := idle(); n != 5000 {
		t.Fatal("no-touch lookups changed the access time", n)
	}
	run(false, func(tx *Tx) { tx.Exists(k) })
	if n := idle(); n != 0 {
		t.Fatal("lookup did not touch", n)
	}
	clk.ms += 3000
	run(false, func(tx *Tx) { tx.Rename(k, []byte("k2"), false) })
	k = []byte("k2")
	if n := idle(); n != 0 {
		t.Fatal("renamed key", n)
	}
	// The clock wraps after 2^24 seconds.
	if got := idleMs(3, lruClockMax-2); got != 5000 {
		t.Fatal("wrap", got)
	}
}

func TestGeneric_RandomKey(t *testing.T) {
	s, clk, log := newTestStore(t, 16)
	tx := lockAll(s, 0)
	if k := tx.RandomKey(); k != nil {
		t.Fatal("empty db", k)
	}
	for i := range 5000 {
		tx.SetString(fmt.Appendf(nil, "e%d", i), []byte("v"), clk.ms+10, false)
	}
	tx.Unlock()
	clk.ms += 10
	tx = lockAll(s, 0)
	if k := tx.RandomKey(); k != nil {
		t.Fatalf("all expired: got %q", k)
	}
	if tx.DBSize(0) != 0 || len(log.keys) != 5000 {
		t.Fatal("expired keys not reclaimed", tx.DBSize(0), len(log.keys))
	}
	for i := range 5000 {
		tx.SetString(fmt.Appendf(nil, "e%d", i), []byte("v"), clk.ms+10, false)
	}
	tx.SetString([]byte("live"), []byte("v"), 0, false)
	tx.Unlock()
	clk.ms += 10
	tx = lockAll(s, 0)
	if k := tx.RandomKey(); string(k) != "live" {
		t.Fatalf("one live key among expired: got %q", k)
	}
	tx.Unlock()

	// Fairness: every key comes up.
	tx = lockAll(s, 2)
	defer tx.Unlock()
	seen := map[string]int{}
	for i := range 20 {
		tx.SetString(fmt.Appendf(nil, "k%d", i), []byte("v"), 0, false)
	}
	for range 2000 {
		seen[string(tx.RandomKey())]++
	}
	if len(seen) != 20 {
		t.Fatal("not every key was returned", seen)
	}
}
