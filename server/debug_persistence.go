package server

import (
	"bufio"
	"fmt"
	"os"

	"github.com/ember-kv/ember/persistence"
	"github.com/ember-kv/ember/store"
)

// DEBUG subcommands that serve persistence and its tests: RELOAD, OBJECT,
// POPULATE (DIGEST is in debug_digest.go).

// debugReload is DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the
// dataset, load the file back, with the world stopped throughout.
func (s *Server) debugReload(c *Client, args [][]byte) {
	flush, save, merge := true, true, false
	for _, a := range args[2:] {
		switch {
		case optIs(a, "merge"):
			merge = true
		case optIs(a, "noflush"):
			flush = false
		case optIs(a, "nosave"):
			save = false
		default:
			c.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save && s.bgsaveRunning() {
		s.killBgsave(true)
	}
	tx := s.lockAll()
	defer tx.Unlock()
	if save {
		if err := s.saveLocked(tx, 0); err != nil {
			c.Error("ERR")
			return
		}
	}
	if flush {
		tx.FlushAll()
	}
	f, err := os.Open(s.rdbPath())
	if err != nil {
		c.Error("ERR Error trying to load the RDB dump")
		return
	}
	defer f.Close()
	lo := s.loadOptions()
	lo.Tx, lo.Replace = tx, merge
	stats, err := persistence.Load(bufio.NewReaderSize(f, 1<<16), s.store, lo)
	if err != nil {
		s.logLoadError(s.rdbPath(), err)
		c.Error("ERR Error trying to load the RDB dump")
		return
	}
	s.logLoaded(stats)
	s.log.Warnf("DB reloaded by DEBUG RELOAD")
	c.w.OK()
}

// debugObject is DEBUG OBJECT key: low-level facts about a value, with
// serializedlength the size of its RDB encoding.
func (s *Server) debugObject(c *Client, key []byte) {
	c.tx.AddKey(key)
	c.tx.Lock()
	c.tx.NoTouch()
	v, _, ok := c.tx.ExportRaw(key)
	if !ok {
		c.Error("ERR no such key")
		return
	}
	enc := v.Encoding()
	var access uint32
	var idle int64
	if info, ok := c.tx.Object(key); ok {
		enc, access, idle = info.Encoding, info.Access, info.IdleMs/1000
	}
	extra := ""
	if nodes, size := v.ListNodes(); nodes > 0 {
		extra = fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
			nodes, float64(v.Len())/float64(nodes), s.cfg.GetInt("list-max-listpack-size"), b2i(s.cfg.GetInt("list-compress-depth") != 0), size)
	}
	size := len(persistence.AppendValue(nil, &v, s.cfg.GetBool("rdbcompression"))) - 1
	c.w.Simple(fmt.Sprintf("Value at:%p refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
		&v, enc, size, access, idle, extra))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// debugPopulate is DEBUG POPULATE count [prefix] [size]: keys prefix:N
// holding "value:N" (padded or cut to size bytes), skipping existing keys.
func (s *Server) debugPopulate(c *Client, args [][]byte) {
	count, ok := store.ParseInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if count < 0 {
		c.Error("ERR value is out of range, must be positive")
		return
	}
	prefix := "key"
	if len(args) >= 4 {
		prefix = string(args[3])
	}
	size := int64(0)
	if len(args) == 5 {
		if size, ok = store.ParseInt(args[4]); !ok {
			c.Error(ErrNotInteger)
			return
		}
		if size < 0 {
			c.Error("ERR value is out of range, must be positive")
			return
		}
		if size > s.cfg.GetInt("proto-max-bulk-len") {
			c.Error("ERR value is out of range")
			return
		}
	}
	tx := store.NewTx(s.store)
	var key, val []byte
	for j := int64(0); j < count; j++ {
		key = fmt.Appendf(key[:0], "%s:%d", prefix, j)
		if len(key) > 127 { // Redis formats into a 128-byte buffer
			key = key[:127]
		}
		val = fmt.Appendf(val[:0], "value:%d", j)
		if size > 0 {
			v := make([]byte, size)
			copy(v, val)
			val = v
		}
		tx.Begin(c.db)
		tx.AddKey(key)
		tx.Lock()
		if !tx.Exists(key) {
			tx.SetString(key, val, 0, false)
			s.keyModified(tx, c.db, key)
		}
		tx.Unlock()
	}
	c.w.OK()
}
