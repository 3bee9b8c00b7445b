package server

import (
	"strconv"
)

// Keyspace notifications (notify.c): every change a command reports through
// Client.modified / Client.notify is published, as notify-keyspace-events
// selects, on __keyspace@<db>__:<key> (the event as message) and
// __keyevent@<db>__:<event> (the key as message).
//
// Two classes are not reported by the command families and are derived
// here, only while they are enabled:
//   - 'n' (new key): before a write command runs, the keys it names that
//     are absent (or expired) are noted; when the command then reports a
//     change to one of them that now exists, "new" is published first, as
//     Redis's dbAdd does.
//   - 'm' (key miss): Redis fires "keymiss" in lookupKeyRead. The read
//     lookups of a command are, with few exceptions, its key arguments
//     (readKeys lists the write commands that read some of theirs): absent
//     keys are reported before the command runs, expired ones (which the
//     command's lookup deletes, firing "expired") after it.

// classFlag maps an event class to its notify-keyspace-events bit.
func classFlag(class eventClass) int {
	switch class {
	case evGeneric:
		return notifyGeneric
	case evString:
		return notifyString
	case evList:
		return notifyList
	case evSet:
		return notifySet
	case evHash:
		return notifyHash
	case evZSet:
		return notifyZSet
	case evExpired:
		return notifyExpired
	case evEvicted:
		return notifyEvicted
	case evStream:
		return notifyStream
	case evKeyMiss:
		return notifyKeyMiss
	case evNew:
		return notifyNew
	}
	return 0
}

// watchNotifyConfig mirrors notify-keyspace-events into an atomic.
func (s *Server) watchNotifyConfig() {
	s.cfg.Watch("notify-keyspace-events", func(string) {
		s.notifyFlags.Store(s.cfg.keyspaceEvents.Load())
	})
}

// notifyEvent publishes a keyspace event. from is the client whose command
// caused it (nil for the server itself: expiry, eviction): messages for it
// go into its reply buffer, ahead of the command's reply, as in Redis.
func (s *Server) notifyEvent(from *Client, class eventClass, event string, key []byte, db int) {
	if class == evExpired || class == evEvicted {
		// The store removed the key on its own: Redis's
		// signalModifiedKey(NULL, ...) tells client-side caches.
		s.invalidateKey(nil, key, true)
	}
	flags := int(s.notifyFlags.Load())
	if flags&classFlag(class) == 0 {
		return
	}
	var dbBuf [20]byte
	dbs := strconv.AppendInt(dbBuf[:0], int64(db), 10)
	if flags&notifyKeyspace != 0 {
		ch := make([]byte, 0, 16+len(dbs)+len(key))
		ch = append(ch, "__keyspace@"...)
		ch = append(ch, dbs...)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.publish(from, ch, []byte(event), false)
	}
	if flags&notifyKeyevent != 0 {
		ch := make([]byte, 0, 16+len(dbs)+len(event))
		ch = append(ch, "__keyevent@"...)
		ch = append(ch, dbs...)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.publish(from, ch, key, false)
	}
}

// readKeys returns the positions of the keys cmd looks up for reading
// (lookupKeyRead), appending to dst.
func readKeys(cmd *Command, args [][]byte, dst []int) []int {
	switch cmd.FullName {
	case "object|encoding", "object|freq", "object|idletime", "object|refcount", "memory|usage":
		return dst // LOOKUP_NONOTIFY, or no lookup
	case "getdel", "getex", "getset", "copy", "sort", "pfmerge":
		if len(args) > 1 {
			dst = append(dst, 1)
		}
		if cmd.FullName == "pfmerge" {
			for i := 2; i < len(args); i++ {
				dst = append(dst, i)
			}
		}
		return dst
	case "set":
		for _, a := range args[3:] {
			if len(a) == 3 && (a[0]|0x20) == 'g' && (a[1]|0x20) == 'e' && (a[2]|0x20) == 't' {
				return append(dst, 1)
			}
		}
		return dst
	case "sunionstore", "sinterstore", "sdiffstore", "zunionstore", "zinterstore", "zdiffstore", "zrangestore", "bitop", "geosearchstore":
		start := len(dst)
		dst = cmd.keyPositions(args, dst)
		// The first key is the destination, written, not read.
		if len(dst) > start {
			dst = append(dst[:start], dst[start+1:]...)
		}
		return dst
	}
	if !cmd.Has(FlagReadonly) {
		return dst
	}
	return cmd.keyPositions(args, dst)
}

// notePreCommand runs before a command's handler, under its locks, while
// keymiss or new-key events are enabled.
func (c *Client) notePreCommand(cmd *Command, args [][]byte) {
	// While clients are paused keys expire only logically. Set per
	// command (a transaction's commands share one Tx): only commands that
	// do not write keep them, so nothing creates a key over an expired one.
	keep := false
	if c.srv.intro.pause.typ.Load() != pauseOff && !cmd.Has(FlagWrite) {
		keep = c.srv.clientsPaused()
	}
	c.tx.SetKeepExpired(keep)
	flags := int(c.srv.notifyFlags.Load())
	c.absent = c.absent[:0]
	c.expiredReads = c.expiredReads[:0]
	if flags&(notifyKeyMiss|notifyNew) == 0 || cmd.Lock == LockNone {
		return
	}
	if flags&notifyKeyMiss != 0 {
		for _, p := range readKeys(cmd, args, c.scratchPos[:0]) {
			exists, expired := c.tx.KeyState(args[p])
			switch {
			case !exists:
				c.notify(evKeyMiss, "keymiss", args[p])
			case expired:
				c.expiredReads = append(c.expiredReads, args[p])
			}
		}
	}
	if flags&notifyNew != 0 && cmd.Has(FlagWrite) {
		for _, p := range cmd.keyPositions(args, c.scratchPos[:0]) {
			if exists, expired := c.tx.KeyState(args[p]); !exists || expired {
				c.absent = append(c.absent, args[p])
			}
		}
	}
}

// notePostCommand reports the key misses of expired keys after the
// command's lookups removed them.
func (c *Client) notePostCommand() {
	for _, k := range c.expiredReads {
		c.notify(evKeyMiss, "keymiss", k)
	}
	c.expiredReads = c.expiredReads[:0]
	c.absent = c.absent[:0]
}

// noteNewKey fires "new" the first time a command reports a change to a
// key that did not exist before it ran and exists now.
func (c *Client) noteNewKey(key []byte) {
	for i, k := range c.absent {
		if string(k) != string(key) {
			continue
		}
		c.absent = append(c.absent[:i], c.absent[i+1:]...)
		if exists, _ := c.tx.KeyState(key); exists {
			c.notify(evNew, "new", key)
		}
		return
	}
}
