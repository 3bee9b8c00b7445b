package persistence

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/ember-kv/ember/store"
)

// contents describes every key of a store: db, key, type, encoding, value
// (elements sorted where order is not part of the type) and expiry.
func contents(t *testing.T, st *store.Store) []string {
	t.Helper()
	tx := store.NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	defer tx.Unlock()
	var out []string
	for db := range st.Databases() {
		tx.EachEntry(db, func(e *store.Entry) {
			out = append(out, fmt.Sprintf("%d %q %s %s %d %s", db, e.Key, e.Value.Type(), e.Value.Encoding(), e.Expire, describe(&e.Value)))
		})
	}
	sort.Strings(out)
	return out
}

func describe(v *store.ValueView) string {
	var parts []string
	switch v.Type() {
	case store.TypeString:
		return fmt.Sprintf("%q", v.Str())
	case store.TypeSet:
		v.Members(func(m []byte) { parts = append(parts, fmt.Sprintf("%q", m)) })
		sort.Strings(parts)
	case store.TypeList:
		v.Members(func(m []byte) { parts = append(parts, fmt.Sprintf("%q", m)) })
	case store.TypeHash:
		v.Pairs(func(f, val []byte) { parts = append(parts, fmt.Sprintf("%q=%q", f, val)) })
		if v.Encoding() == store.EncHashtable {
			sort.Strings(parts)
		}
	case store.TypeZSet:
		v.Scored(func(m []byte, s float64) { parts = append(parts, fmt.Sprintf("%q:%v", m, s)) })
	}
	return strings.Join(parts, ",")
}

// fill writes a dataset of every type and encoding, with expiries, into st.
func fill(t testing.TB, st *store.Store, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	tx := store.NewTx(st)
	future := st.Now() + 3600_000
	for i := range 300 {
		db := i % 3
		tx.Begin(db)
		key := []byte(fmt.Sprintf("k%d", i))
		tx.AddKey(key)
		tx.Lock()
		n := 1 + r.IntN(20)
		if i%10 == 0 {
			n = 600 // big encodings
		}
		switch i % 6 {
		case 5:
			var es [][]byte
			for j := range n {
				es = append(es, []byte(fmt.Sprintf("e%d-%d", j, r.IntN(1000))))
			}
			if _, err := tx.ListPush(key, es, j0(r), false); err != nil {
				t.Fatal(err)
			}
		case 0:
			vals := [][]byte{[]byte("12345"), []byte("short"), bytes.Repeat([]byte("x"), 100), bytes.Repeat([]byte("ab"), 40000), []byte("-7")}
			tx.SetString(key, vals[r.IntN(len(vals))], 0, false)
		case 1:
			var ms [][]byte
			for j := range n {
				if i%3 == 0 {
					ms = append(ms, []byte(fmt.Sprint(j*7-50)))
				} else {
					ms = append(ms, []byte(fmt.Sprintf("m%d", j)))
				}
			}
			if _, err := tx.SAdd(key, ms); err != nil {
				t.Fatal(err)
			}
		case 2:
			var ps [][]byte
			for j := range n {
				v := fmt.Sprint(j)
				if i%7 == 0 {
					v = strings.Repeat("v", 70)
				}
				ps = append(ps, []byte(fmt.Sprintf("f%d", j)), []byte(v))
			}
			if _, err := tx.HSet(key, ps); err != nil {
				t.Fatal(err)
			}
		case 3:
			var ms [][]byte
			var sc []float64
			for j := range n {
				ms = append(ms, []byte(fmt.Sprintf("z%d", j)))
				sc = append(sc, float64(r.IntN(100))-0.5)
			}
			if _, err := tx.ZAdd(key, 0, sc, ms); err != nil {
				t.Fatal(err)
			}
		case 4:
			tx.SetString(key, []byte(fmt.Sprint(i)), future+int64(i), false)
		}
		if i%4 == 0 {
			tx.SetExpiry(key, future+int64(i))
		}
		tx.Unlock()
	}
}

func saveLocked(t *testing.T, st *store.Store) []byte {
	t.Helper()
	tx := store.NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	defer tx.Unlock()
	var buf bytes.Buffer
	if _, err := SaveLocked(tx, &buf, SaveOptions{Compress: true}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func load(t *testing.T, data []byte) *store.Store {
	t.Helper()
	st := store.New(store.Options{Shards: 8})
	if _, err := Load(bytes.NewReader(data), st, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	return st
}

func equalContents(t *testing.T, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("got %d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("key %d differs:\n got %.300s\nwant %.300s", i, got[i], want[i])
		}
	}
}

func TestRoundTrip_Locked(t *testing.T) {
	st := store.New(store.Options{Shards: 16})
	fill(t, st, 1)
	equalContents(t, contents(t, st), contents(t, load(t, saveLocked(t, st))))
}

func TestRoundTrip_Snapshot(t *testing.T) {
	st := store.New(store.Options{Shards: 16})
	fill(t, st, 2)
	snap, err := BeginSnapshot(st, SaveOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.Write(&buf); err != nil {
		t.Fatal(err)
	}
	equalContents(t, contents(t, st), contents(t, load(t, buf.Bytes())))
	if !bytes.Equal(buf.Bytes()[:9], []byte("REDIS0010")) {
		t.Fatal("bad header")
	}
}

func j0(r *rand.Rand) bool { return r.IntN(2) == 0 }
