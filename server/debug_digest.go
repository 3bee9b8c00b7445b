package server

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"

	"github.com/ember-kv/ember/store"
)

// DEBUG DIGEST and DIGEST-VALUE, with Redis's algorithm (debug.c), so that
// tests comparing a dataset before and after a save and reload work, and
// digests match redis-server's for the same data.

func xorDigest(d *[20]byte, p []byte) {
	h := sha1.Sum(p)
	for i := range d {
		d[i] ^= h[i]
	}
}

func mixDigest(d *[20]byte, p []byte) {
	xorDigest(d, p)
	*d = sha1.Sum(d[:])
}

// redisTypeNumber is Redis's OBJ_* type code.
func redisTypeNumber(t store.Type) uint32 {
	switch t {
	case store.TypeList:
		return 1
	case store.TypeSet:
		return 2
	case store.TypeZSet:
		return 3
	case store.TypeHash:
		return 4
	}
	return 0
}

// objectDigest mixes a value (and the presence of an expiry) into d, as
// xorObjectDigest.
func objectDigest(d *[20]byte, v *store.ValueView, expire int64) {
	var aux [4]byte
	binary.BigEndian.PutUint32(aux[:], redisTypeNumber(v.Type()))
	mixDigest(d, aux[:])
	switch v.Type() {
	case store.TypeString:
		mixDigest(d, v.Str())
	case store.TypeList:
		v.Members(func(m []byte) { mixDigest(d, m) })
	case store.TypeSet:
		v.Members(func(m []byte) { xorDigest(d, m) })
	case store.TypeZSet:
		v.Scored(func(m []byte, score float64) {
			var e [20]byte
			mixDigest(&e, m)
			mixDigest(&e, FormatDouble(nil, score))
			xorDigest(d, e[:])
		})
	case store.TypeHash:
		v.Pairs(func(f, val []byte) {
			var e [20]byte
			mixDigest(&e, f)
			mixDigest(&e, val)
			xorDigest(d, e[:])
		})
	}
	if expire != 0 {
		xorDigest(d, []byte("!!expire!!"))
	}
}

// debugDigest is DEBUG DIGEST: the digest of the whole dataset.
func (s *Server) debugDigest(c *Client) {
	tx := s.lockAll()
	defer tx.Unlock()
	var final [20]byte
	for db := range s.store.Databases() {
		if keys, _ := tx.CountKeys(db); keys == 0 {
			continue
		}
		var aux [4]byte
		binary.BigEndian.PutUint32(aux[:], uint32(db))
		mixDigest(&final, aux[:])
		tx.EachEntry(db, func(e *store.Entry) {
			var d [20]byte
			mixDigest(&d, e.Key)
			objectDigest(&d, &e.Value, e.Expire)
			xorDigest(&final, d[:])
		})
	}
	c.w.Simple(hex.EncodeToString(final[:]))
}

// debugDigestValue is DEBUG DIGEST-VALUE key [key ...]: each value's
// digest, expired keys included (zeros for a missing key).
func (s *Server) debugDigestValue(c *Client, keys [][]byte) {
	for _, k := range keys {
		c.tx.AddKey(k)
	}
	c.tx.Lock()
	c.w.Array(len(keys))
	for _, k := range keys {
		var d [20]byte
		if v, expire, ok := c.tx.ExportRaw(k); ok {
			objectDigest(&d, &v, expire)
		}
		c.w.Simple(hex.EncodeToString(d[:]))
	}
}
