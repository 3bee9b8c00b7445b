package persistence

import (
	"bytes"
	"testing"

	"github.com/ember-kv/ember/persistence/rdb"
	"github.com/ember-kv/ember/store"
)

// Loading any bytes into a store, and restoring any payload (with a valid
// checksum, so the value parsers and the store's builders are reached),
// never panics.

func FuzzLoadIntoStore(f *testing.F) {
	st := smallDataset()
	var buf bytes.Buffer
	tx := store.NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	_, _ = SaveLocked(tx, &buf, SaveOptions{Compress: true})
	tx.Unlock()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		dst := store.New(store.Options{Shards: 4})
		_, _ = Load(bytes.NewReader(data), dst, LoadOptions{})
	})
}

func FuzzUndump(f *testing.F) {
	st := smallDataset()
	tx := store.NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	for db := range 3 {
		tx.EachEntry(db, func(e *store.Entry) {
			p := Dump(&e.Value, true)
			f.Add(p[:len(p)-10])
		})
	}
	tx.Unlock()
	f.Add([]byte{16, 0x0d, 0x0d, 0, 0, 0, 2, 0, 0x81, 'a', 2, 0x01, 1, 0xff})
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = Undump(st, rdb.AppendDumpFooter(append([]byte(nil), body...)))
	})
}

// smallDataset holds one small key of each type and encoding: seeds must be
// small for the fuzzer to mutate them quickly.
func smallDataset() *store.Store {
	st := store.New(store.Options{Shards: 4})
	tx := store.NewTx(st)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	defer tx.Unlock()
	tx.SetString([]byte("s"), []byte("hello world, hello world, hello"), st.Now()+1e6, false)
	tx.SetString([]byte("i"), []byte("-123"), 0, false)
	tx.SAdd([]byte("si"), [][]byte{[]byte("1"), []byte("70000")})
	tx.SAdd([]byte("ss"), [][]byte{[]byte("a"), []byte("b")})
	tx.HSet([]byte("h"), [][]byte{[]byte("f"), []byte("v"), []byte("g"), []byte("12")})
	tx.ZAdd([]byte("z"), 0, []float64{1, 2.5}, [][]byte{[]byte("a"), []byte("b")})
	return st
}
