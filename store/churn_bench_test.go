package store

import (
	"fmt"
	"testing"
)

func BenchmarkChurnExp(b *testing.B) {
	s := New(Options{})
	s.SetPolicy(AllKeysLRU)
	tx := NewTx(s)
	limit := int64(20 << 20)
	keys := make([][]byte, 1<<20)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
	}
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

func BenchmarkSetNoEvictExp(b *testing.B) {
	for _, p := range []Policy{NoEviction, AllKeysLRU} {
		b.Run(p.String(), func(b *testing.B) {
			s := New(Options{})
			s.SetPolicy(p)
			tx := NewTx(s)
			keys := make([][]byte, 1<<18)
			for i := range keys {
				keys[i] = []byte(fmt.Sprintf("key:%012d", i))
			}
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
