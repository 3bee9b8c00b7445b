package store

// Key state for WATCH, which must tell a present-but-expired key from a
// missing one without deleting anything.

// KeyState reports whether key is present in the selected database and, if
// so, whether it has logically expired. Unlike every other lookup it never
// deletes an expired key.
func (tx *Tx) KeyState(key []byte) (exists, expired bool) {
	return tx.KeyStateIn(tx.db, key)
}

// KeyStateIn is KeyState for database db.
func (tx *Tx) KeyStateIn(db int, key []byte) (exists, expired bool) {
	ks, hash := tx.keyspace(db, key)
	h, _, ok := ks.lookup(key, hash)
	if !ok {
		return false, false
	}
	e := ks.metas[h].expire
	return true, e != 0 && e <= tx.now
}
