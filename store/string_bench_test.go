package store

import (
	"strconv"
	"testing"
)

// Store-level GET and SET of small strings under a Tx, without the server:
// lock the key's shard, run, unlock (allocs/op per operation). Keys cycle
// through n existing keys.
func BenchmarkStoreString(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 20} {
		keys := benchKeys(n)
		val := []byte("xxx")
		fill := func() (*Store, *Tx) {
			s := New(Options{})
			tx := NewTx(s)
			for _, k := range keys {
				tx.Begin(0)
				tx.AddKey(k)
				tx.Lock()
				tx.SetString(k, val, 0, false)
				tx.Unlock()
			}
			return s, tx
		}
		b.Run("GET/keys="+strconv.Itoa(n), func(b *testing.B) {
			_, tx := fill()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := keys[i&(n-1)]
				tx.Begin(0)
				tx.AddKey(key)
				tx.Lock()
				v, ok, err := tx.GetString(key)
				if !ok || err != nil || len(v) != 3 {
					b.Fatal("missing key")
				}
				tx.Unlock()
			}
		})
		b.Run("SET/keys="+strconv.Itoa(n), func(b *testing.B) {
			_, tx := fill()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := keys[i&(n-1)]
				tx.Begin(0)
				tx.AddKey(key)
				tx.Lock()
				tx.SetString(key, val, 0, false)
				tx.Unlock()
			}
		})
		b.Run("GET16/keys="+strconv.Itoa(n), func(b *testing.B) {
			// 16 keys locked together, as a pipelined batch's MGET.
			_, tx := fill()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += 16 {
				tx.Begin(0)
				for j := 0; j < 16; j++ {
					tx.AddKey(keys[(i+j)&(n-1)])
				}
				tx.Lock()
				for j := 0; j < 16; j++ {
					if _, ok, _ := tx.GetString(keys[(i+j)&(n-1)]); !ok {
						b.Fatal("missing key")
					}
				}
				tx.Unlock()
			}
		})
	}
}
