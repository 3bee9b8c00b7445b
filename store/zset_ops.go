package store

import (
	"bytes"
	"cmp"
	"math"
	"slices"
)

// ZUNION, ZINTER, ZDIFF (and their STORE forms) and ZINTERCARD, after
// Redis's zunionInterDiffGenericCommand. Inputs may be sorted sets or sets
// (whose members all score 1).

// ZSetOp selects the operation of Combine.
type ZSetOp uint8

// Operations.
const (
	ZUnion ZSetOp = iota
	ZInter
	ZDiff
)

// ZAggregate is how ZUNION and ZINTER combine the scores of one member.
type ZAggregate uint8

// Aggregates.
const (
	ZAggSum ZAggregate = iota
	ZAggMin
	ZAggMax
)

// ZElement is a member and its score.
type ZElement struct {
	Member []byte
	Score  float64
}

// zsource is an input of Combine: a sorted set or a set.
type zsource interface {
	Len() int
	each(fn func(member []byte, score float64) bool)
	Score(member []byte) (float64, bool)
}

// zsourceOf adapts a stored collection to a Combine input, or returns nil
// for a type the operations do not accept.
func zsourceOf(obj collection) zsource {
	switch v := obj.(type) {
	case *ZSet:
		return v
	case *Set:
		return setZSource{v}
	}
	return nil
}

// setZSource is a set as a Combine input: every member scores 1.
type setZSource struct{ s *Set }

func (src setZSource) Len() int { return src.s.Len() }

func (src setZSource) each(fn func(member []byte, score float64) bool) {
	var buf [24]byte
	for i, n := 0, src.s.Len(); i < n; i++ {
		if !fn(src.s.At(i, buf[:0]), 1) {
			return
		}
	}
}

func (src setZSource) Score(member []byte) (float64, bool) {
	return 1, src.s.Contains(member)
}

type zinput struct {
	src    zsource // nil for a missing key
	weight float64
}

func (in *zinput) len() int {
	if in.src == nil {
		return 0
	}
	return in.src.Len()
}

// ZInputs are the resolved inputs of a ZUNION, ZINTER, ZDIFF or ZINTERCARD.
// They refer to store memory: use them before the next write under the Tx.
type ZInputs struct {
	in []zinput
}

// ZInputs looks keys up, in order, failing with ErrWrongType at the first
// key that is neither a sorted set nor a set. Missing keys are empty inputs.
func (tx *Tx) ZInputs(keys [][]byte) (ZInputs, error) {
	in := make([]zinput, len(keys))
	for i, k := range keys {
		in[i].weight = 1
		r, ok := tx.find(tx.db, k)
		if !ok {
			continue
		}
		var src zsource
		if r.meta().typ != TypeString {
			src = zsourceOf(r.ks.obj(r.h).(collection))
		}
		if src == nil {
			return ZInputs{}, ErrWrongType
		}
		in[i].src = src
	}
	return ZInputs{in: in}, nil
}

// zelems accumulates result members, copying them into one buffer.
type zelems struct {
	buf   []byte
	offs  []int
	elems []ZElement
}

func (e *zelems) add(member []byte, score float64) {
	e.offs = append(e.offs, len(e.buf))
	e.buf = append(e.buf, member...)
	e.elems = append(e.elems, ZElement{Score: score})
}

// sorted finishes the result in (score, member) order.
func (e *zelems) sorted() []ZElement {
	for i := range e.elems {
		end := len(e.buf)
		if i+1 < len(e.offs) {
			end = e.offs[i+1]
		}
		e.elems[i].Member = e.buf[e.offs[i]:end:end]
	}
	slices.SortFunc(e.elems, cmpZElement)
	return e.elems
}

// cmpZElement orders by score, then member bytes (-0 and 0 tie, as in C).
func cmpZElement(a, b ZElement) int {
	if c := cmp.Compare(a.Score, b.Score); c != 0 {
		return c
	}
	return bytes.Compare(a.Member, b.Member)
}

func zaggregate(target *float64, v float64, agg ZAggregate) {
	switch agg {
	case ZAggSum:
		*target += v
		// inf + -inf: Redis's convention is 0.
		if math.IsNaN(*target) {
			*target = 0
		}
	case ZAggMin:
		if v < *target {
			*target = v
		}
	case ZAggMax:
		if v > *target {
			*target = v
		}
	}
}

// bySize orders the inputs by cardinality, keeping the given order among
// equals (Redis's qsort is glibc's stable merge sort), which fixes the order
// in which scores are aggregated.
func (z *ZInputs) bySize(desc bool) {
	slices.SortStableFunc(z.in, func(a, b zinput) int {
		if desc {
			return cmp.Compare(b.len(), a.len())
		}
		return cmp.Compare(a.len(), b.len())
	})
}

// Combine computes op over the inputs. weights (nil: all 1) multiply each
// input's scores for ZUnion and ZInter. The result is in (score, member)
// order and owns its memory.
func (z ZInputs) Combine(op ZSetOp, weights []float64, agg ZAggregate) []ZElement {
	for i := range z.in {
		if weights != nil {
			z.in[i].weight = weights[i]
		}
	}
	var out zelems
	switch op {
	case ZUnion:
		z.bySize(false)
		z.union(&out, agg)
	case ZInter:
		z.bySize(false)
		z.inter(func(m []byte, s float64) bool {
			out.add(m, s)
			return true
		}, agg)
	case ZDiff:
		z.diff(&out)
	}
	return out.sorted()
}

func (z *ZInputs) union(out *zelems, agg ZAggregate) {
	index := make(map[string]int, z.in[len(z.in)-1].len())
	for _, in := range z.in {
		if in.len() == 0 {
			continue
		}
		in.src.each(func(m []byte, s float64) bool {
			v := in.weight * s
			if math.IsNaN(v) {
				v = 0
			}
			if i, ok := index[string(m)]; ok {
				zaggregate(&out.elems[i].Score, v, agg)
			} else {
				index[string(m)] = len(out.elems)
				out.add(m, v)
			}
			return true
		})
	}
}

// inter calls emit for every member of the intersection with its aggregated
// score until emit returns false. The inputs must be ordered by size.
func (z *ZInputs) inter(emit func(m []byte, s float64) bool, agg ZAggregate) {
	first := z.in[0]
	if first.len() == 0 {
		return
	}
	first.src.each(func(m []byte, s float64) bool {
		score := first.weight * s
		if math.IsNaN(score) {
			score = 0
		}
		for _, in := range z.in[1:] {
			v, ok := in.src.Score(m)
			if !ok {
				return true
			}
			zaggregate(&score, v*in.weight, agg)
		}
		return emit(m, score)
	})
}

// diff keeps the members of the first input found in no other, choosing
// between Redis's two algorithms by the same estimate of their work.
func (z *ZInputs) diff(out *zelems) {
	first := z.in[0]
	if first.len() == 0 {
		return
	}
	algo1, algo2 := 0, 0
	for j, in := range z.in {
		if j > 0 && in.src != nil && in.src == first.src {
			return // subtracting a set from itself
		}
		algo1 += first.len()
		algo2 += in.len()
	}
	rest := z.in[1:]
	if algo1/2 <= algo2 {
		// Algorithm 1: look each member of the first input up in the others,
		// the largest first.
		slices.SortStableFunc(rest, func(a, b zinput) int { return cmp.Compare(b.len(), a.len()) })
		first.src.each(func(m []byte, s float64) bool {
			for _, in := range rest {
				if in.src == nil {
					continue
				}
				if _, ok := in.src.Score(m); ok {
					return true
				}
			}
			out.add(m, s)
			return true
		})
		return
	}
	// Algorithm 2: copy the first input, then remove every member of the
	// others.
	var all zelems
	index := make(map[string]int, first.len())
	first.src.each(func(m []byte, s float64) bool {
		index[string(m)] = len(all.elems)
		all.add(m, s)
		return true
	})
	removed := make([]bool, len(all.elems))
	left := len(all.elems)
	for _, in := range rest {
		if in.len() == 0 || left == 0 {
			continue
		}
		in.src.each(func(m []byte, _ float64) bool {
			if i, ok := index[string(m)]; ok && !removed[i] {
				removed[i] = true
				left--
			}
			return left > 0
		})
	}
	for i := range all.elems {
		if !removed[i] {
			end := len(all.buf)
			if i+1 < len(all.offs) {
				end = all.offs[i+1]
			}
			out.add(all.buf[all.offs[i]:end], all.elems[i].Score)
		}
	}
}

// InterCard counts the members of the intersection, stopping at limit
// (0: no limit).
func (z ZInputs) InterCard(limit int) int {
	z.bySize(false)
	n := 0
	z.inter(func([]byte, float64) bool {
		n++
		return limit == 0 || n < limit
	}, ZAggSum)
	return n
}

// ZStore replaces dst with a sorted set of elems, distinct members in any
// order (sorted in place), in the encoding its size calls for (ZUNIONSTORE,
// ZRANGESTORE, ...). An empty elems deletes dst; deleted reports whether it
// existed.
func (tx *Tx) ZStore(dst []byte, elems []ZElement) (deleted bool) {
	if len(elems) == 0 {
		return tx.Delete(dst)
	}
	if !slices.IsSortedFunc(elems, cmpZElement) {
		slices.SortFunc(elems, cmpZElement)
	}
	maxEntries, maxValue := tx.zsetLimits()
	compact := len(elems) <= maxEntries
	size := 0
	for i := range elems {
		if len(elems[i].Member) > maxValue {
			compact = false
			break
		}
		size += lpEntrySize(elems[i].Member, elems[i].Score)
	}
	z := &ZSet{}
	if compact {
		z.lp = make([]byte, 0, size)
		for _, e := range elems {
			z.lp = lpAppendEntry(z.lp, e.Member, e.Score)
		}
		z.n = len(elems)
	} else {
		z.sl = newSkiplist(len(elems))
		for i := len(elems) - 1; i >= 0; i-- {
			z.sl.insert(elems[i].Score, elems[i].Member)
		}
	}
	tx.setObject(dst, TypeZSet, z)
	return false
}
