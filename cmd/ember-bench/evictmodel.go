package main

import (
	"container/list"
	"fmt"
	"math/rand"
)

// The eviction model (-mode evict -parts model): the hit-ratio workload of
// replayZipf (same seed, key permutation and batches) replayed against
// in-process models of eviction policies under a byte budget, each key
// costing what it costs in Ember. No server runs. It answers what the
// hit-ratio target needs: given golang-lru's per-key entry, which policy
// that keeps recency in it could match or beat Redis's at the same
// maxmemory.

// modelCosts are bytes per key.
type modelCosts struct {
	base    int // a key and its value, without eviction tracking
	tracked int // extra for a key in a golang-lru list
	queued  int // extra for a key in a FIFO of 4-byte handles
	redis   int // what a key costs Redis at the limit (its capacity)
}

// modelKind is a policy.
type modelKind int

const (
	// every key in one exact LRU list (Ember's allkeys-lru).
	modelLRU modelKind = iota
	// keys not read since written in a FIFO of handles, moved into the
	// LRU list when read; the victim is the older of the two heads, so
	// the order is still exact LRU.
	modelLRUPlusFIFO
	// S3-FIFO: new keys in a small FIFO (a tenth of the keys); one read
	// there while queued moves the key into the LRU list when it reaches
	// the FIFO's head, otherwise it is evicted.
	modelS3FIFO
	// CLOCK over a FIFO of handles: a key read since it last passed the
	// head goes round again. No golang-lru at all.
	modelClock
)

type modelEntry struct {
	key     int
	cost    int   // bytes
	tracked bool  // in the LRU list (else in the FIFO)
	read    bool  // read while in the FIFO
	stamp   int64 // last access, for modelLRUPlusFIFO
}

type cacheModel struct {
	kind      modelKind
	costs     modelCosts
	budget    int
	used      int
	clock     int64
	fifo, lru *list.List // front: newest
	items     map[int]*list.Element
	lruCost   int // bytes of a key in the LRU list
}

func newCacheModel(kind modelKind, costs modelCosts, budget int) *cacheModel {
	return &cacheModel{kind: kind, costs: costs, budget: budget, fifo: list.New(), lru: list.New(),
		items: map[int]*list.Element{}, lruCost: costs.base + costs.tracked}
}

func (m *cacheModel) get(k int) bool {
	el, ok := m.items[k]
	if !ok {
		return false
	}
	m.clock++
	e := el.Value.(*modelEntry)
	e.stamp = m.clock
	switch {
	case e.tracked:
		m.lru.MoveToFront(el)
	case m.kind == modelLRUPlusFIFO:
		m.fifo.Remove(el)
		m.track(e)
		m.evict()
	default:
		e.read = true
	}
	return true
}

func (m *cacheModel) set(k int) {
	m.clock++
	e := &modelEntry{key: k, stamp: m.clock}
	if m.kind == modelLRU {
		e.tracked, e.cost = true, m.lruCost
		m.items[k] = m.lru.PushFront(e)
	} else {
		e.cost = m.costs.base + m.costs.queued
		m.items[k] = m.fifo.PushFront(e)
	}
	m.used += e.cost
	m.evict()
}

// track moves e (out of the FIFO) to the front of the LRU list.
func (m *cacheModel) track(e *modelEntry) {
	e.tracked, e.read = true, false
	m.items[e.key] = m.lru.PushFront(e)
	m.used += m.lruCost - e.cost
	e.cost = m.lruCost
}

func (m *cacheModel) drop(el *list.Element, from *list.List) {
	e := from.Remove(el).(*modelEntry)
	delete(m.items, e.key)
	m.used -= e.cost
}

func (m *cacheModel) evict() {
	for m.used > m.budget && len(m.items) > 0 {
		head, tail := m.fifo.Back(), m.lru.Back()
		switch m.kind {
		case modelLRU:
			m.drop(tail, m.lru)
		case modelLRUPlusFIFO:
			if tail == nil || (head != nil && head.Value.(*modelEntry).stamp < tail.Value.(*modelEntry).stamp) {
				m.drop(head, m.fifo)
			} else {
				m.drop(tail, m.lru)
			}
		case modelS3FIFO:
			if head == nil || (tail != nil && m.fifo.Len()*10 < len(m.items)) {
				m.drop(tail, m.lru)
				continue
			}
			if e := head.Value.(*modelEntry); e.read {
				m.fifo.Remove(head)
				m.track(e)
				continue
			}
			m.drop(head, m.fifo)
		case modelClock:
			if e := head.Value.(*modelEntry); e.read {
				e.read = false
				m.fifo.MoveToFront(head)
				continue
			}
			m.drop(head, m.fifo)
		}
	}
}

// replayModel runs replayZipf's workload against m and returns the hit
// ratio of its measured half.
func replayModel(m *cacheModel, eo evictOptions, space int) float64 {
	rnd := rand.New(rand.NewSource(eo.seed))
	z := rand.NewZipf(rnd, eo.zipfS, 1, uint64(space-1))
	perm := rand.New(rand.NewSource(eo.seed + 1)).Perm(space)
	const batch = 200
	var hits, gets int
	keys := make([]int, batch)
	hit := make([]bool, batch)
	for done := 0; done < 2*eo.ops; done += batch {
		for i := range keys {
			keys[i] = perm[z.Uint64()]
		}
		for i, k := range keys {
			hit[i] = m.get(k)
			if done >= eo.ops {
				gets++
				if hit[i] {
					hits++
				}
			}
		}
		for i, k := range keys {
			if !hit[i] {
				m.set(k)
			}
		}
	}
	return float64(hits) / float64(gets)
}

// evictModel prints the hit ratio of each policy model.
func evictModel(eo evictOptions, costs modelCosts) {
	budget := int(eo.maxmemory)
	fits := budget / costs.redis
	space := 3 * fits
	fmt.Printf("## Hit-ratio model: the hit-ratio workload (Zipf(s=%.2f), %d keys, seed %d) against policy models, %d MB budget\n\n",
		eo.zipfS, space, eo.seed, eo.maxmemory>>20)
	fmt.Printf("Bytes per key: %d without tracking, +%d in a golang-lru list, +%d in a FIFO of handles; Redis %d (holds %d keys).\n\n",
		costs.base, costs.tracked, costs.queued, costs.redis, fits)
	fmt.Println("| model | hit ratio | keys held |")
	fmt.Println("|---|---|---|")
	redisLike := newCacheModel(modelLRU, costs, budget)
	redisLike.lruCost = costs.redis
	for _, c := range []struct {
		name string
		m    *cacheModel
	}{
		{"exact LRU with Redis's key count (Redis's capacity)", redisLike},
		{"exact LRU, every key in golang-lru (Ember)", newCacheModel(modelLRU, costs, budget)},
		{"exact LRU, keys not read since written in a FIFO of handles", newCacheModel(modelLRUPlusFIFO, costs, budget)},
		{"S3-FIFO: new keys in a FIFO, keys read there into golang-lru", newCacheModel(modelS3FIFO, costs, budget)},
		{"CLOCK over a FIFO of handles (no golang-lru)", newCacheModel(modelClock, costs, budget)},
	} {
		r := replayModel(c.m, eo, space)
		fmt.Printf("| %s | %.4f | %d |\n", c.name, r, len(c.m.items))
	}
	fmt.Println()
}
