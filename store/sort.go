package store

// Store access for SORT (sort.c): the elements to sort and the keys its BY
// and GET patterns name. The sorting itself is in the server.

// SortElements returns copies of the elements of the value at key, in the
// value's own order: a set in iteration order, a list from head to tail, a
// sorted set by ascending score. typ is TypeNone for a missing key; a string
// or hash is ErrWrongType. The copies share one allocation.
func (tx *Tx) SortElements(key []byte) (typ Type, elems [][]byte, err error) {
	r, ok := tx.find(tx.db, key)
	if !ok {
		return TypeNone, nil, nil
	}
	typ = r.meta().typ
	switch typ {
	case TypeSet:
		s := r.ks.obj(r.h).(*Set)
		var buf [20]byte
		return typ, sortCopyElements(s.Len(), func(i int) []byte { return s.At(i, buf[:]) }), nil
	case TypeList:
		l := r.ks.obj(r.h).(*List)
		views := make([][]byte, 0, l.Len())
		l.ForEach(func(v []byte) { views = append(views, v) })
		return typ, sortCopyElements(len(views), func(i int) []byte { return views[i] }), nil
	case TypeZSet:
		return typ, r.ks.obj(r.h).(*ZSet).sortElements(), nil
	}
	return TypeNone, nil, ErrWrongType
}

// sortCopyElements copies n elements given by at into one buffer.
func sortCopyElements(n int, at func(i int) []byte) [][]byte {
	size := 0
	for i := range n {
		size += len(at(i))
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, n)
	for i := range n {
		start := len(buf)
		buf = append(buf, at(i)...)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}

// SortLookup returns the value a BY or GET pattern names once substituted:
// the string at key, or with hasField the field of the hash at key. ok is
// false when the key is missing, has another type, or lacks the field. The
// slice aliases store memory: use it before the next lookup.
func (tx *Tx) SortLookup(key, field []byte, hasField bool) (val []byte, ok bool) {
	r, found := tx.find(tx.db, key)
	if !found {
		return nil, false
	}
	typ := r.meta().typ
	if hasField {
		if typ != TypeHash {
			return nil, false
		}
		return tx.sortHashField(r, field)
	}
	if typ != TypeString {
		return nil, false
	}
	return r.ks.stringValue(r.h), true
}

// sortHashField reads a field of the hash at r for SORT.
func (tx *Tx) sortHashField(r ref, field []byte) ([]byte, bool) {
	return r.ks.obj(r.h).(*Hash).Get(field)
}

// SortStore makes elems the list value of key (SORT ... STORE), replacing
// what key held and dropping its expiry; an empty result deletes key. It
// reports whether an empty result deleted an existing key.
func (tx *Tx) SortStore(key []byte, elems [][]byte) (deleted bool, err error) {
	if len(elems) == 0 {
		return tx.Delete(key), nil
	}
	l := tx.newList().(*List)
	for _, e := range elems {
		l.PushTail(e)
	}
	tx.setObject(key, TypeList, l)
	return false, nil
}
