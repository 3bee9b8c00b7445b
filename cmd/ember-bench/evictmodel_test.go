package main

import "testing"

// TestCacheModels checks each policy model's defining decision on a tiny
// budget of three keys.
func TestCacheModels(t *testing.T) {
	costs := modelCosts{base: 10, tracked: 0, queued: 0, redis: 10}
	held := func(m *cacheModel, keys ...int) bool {
		for _, k := range keys {
			if _, ok := m.items[k]; !ok {
				return false
			}
		}
		return len(m.items) == len(keys) && m.used <= m.budget
	}
	for _, c := range []struct {
		kind modelKind
		want []int // held after: set 1 2 3, get 1, set 4
	}{
		{modelLRU, []int{1, 3, 4}},         // 2 least recently used
		{modelLRUPlusFIFO, []int{1, 3, 4}}, // the same order, split in two lists
		{modelClock, []int{1, 3, 4}},       // 1 read: goes round; 2 is next
		{modelS3FIFO, []int{1, 3, 4}},      // 1 read in the FIFO: kept in the LRU list
	} {
		m := newCacheModel(c.kind, costs, 30)
		for _, k := range []int{1, 2, 3} {
			m.set(k)
		}
		if !m.get(1) || m.get(9) {
			t.Fatalf("kind %d: get", c.kind)
		}
		m.set(4)
		if !held(m, c.want...) {
			t.Errorf("kind %d: holds %v (used %d), want %v", c.kind, m.items, m.used, c.want)
		}
	}
	// Tracking costs bytes: with 5 more per tracked key, Ember's model
	// holds fewer keys than one that tracks only keys read again.
	costs.tracked = 5
	lru, split := newCacheModel(modelLRU, costs, 45), newCacheModel(modelLRUPlusFIFO, costs, 45)
	for _, m := range []*cacheModel{lru, split} {
		for k := range 10 {
			m.set(k)
		}
	}
	if len(lru.items) != 3 || len(split.items) != 4 {
		t.Errorf("held %d and %d keys, want 3 and 4", len(lru.items), len(split.items))
	}
}
