package store

import (
	"fmt"
	"testing"
)

func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
	}
	return keys
}

// BenchmarkSet_UnderEviction is SET of new keys with allkeys-lru keeping
// the store at a 20 MB limit: each write evicts about one key.
func BenchmarkSet_UnderEviction(b *testing.B) {
	s := New(Options{})
	s.SetPolicy(AllKeysLRU)
	tx := NewTx(s)
	keys := benchKeys(1 << 20)
	const limit = 20 << 20
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for s.UsedMemory() > limit {
			s.EvictOne(func(int, []byte) {})
		}
		key := keys[i&(1<<20-1)]
		tx.Begin(0)
		tx.AddKey(key)
		tx.Lock()
		tx.SetString(key, []byte("xxxxxxxxxx"), 0, false)
		tx.Unlock()
	}
}

// BenchmarkSet_Tracking is SET over existing keys, with and without the
// recency lists of an LRU policy.
func BenchmarkSet_Tracking(b *testing.B) {
	for _, p := range []Policy{NoEviction, AllKeysLRU} {
		b.Run(p.String(), func(b *testing.B) {
			s := New(Options{})
			s.SetPolicy(p)
			tx := NewTx(s)
			keys := benchKeys(1 << 18)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := keys[i&(1<<18-1)]
				tx.Begin(0)
				tx.AddKey(key)
				tx.Lock()
				tx.SetString(key, []byte("xxxxxxxxxx"), 0, false)
				tx.Unlock()
			}
		})
	}
}
