package server

import "github.com/ember-kv/ember/store"

// What a write does besides changing the data. Every handler reports each
// key it changes through modified; everything that must react to a change
// (the change counter behind propagation and saves, WATCH, client tracking,
// keyspace notifications) hangs off this one point.

// eventClass is a keyspace-notification class, named by its flag character
// in notify-keyspace-events.
type eventClass byte

// Event classes.
const (
	evGeneric eventClass = 'g'
	evString  eventClass = '$'
	evList    eventClass = 'l'
	evSet     eventClass = 's'
	evHash    eventClass = 'h'
	evZSet    eventClass = 'z'
	evExpired eventClass = 'x'
	evEvicted eventClass = 'e'
	evStream  eventClass = 't'
	evKeyMiss eventClass = 'm'
	evNew     eventClass = 'n'
)

// modified records that the running command changed key: it counts the
// change and fires the keyspace event.
func (c *Client) modified(key []byte, class eventClass, event string) {
	c.tx.Dirty++
	c.srv.keyModified(c.tx, c.db, key)
	c.srv.invalidateKey(c, key, true)
	if len(c.absent) > 0 {
		c.noteNewKey(key)
	}
	c.notify(class, event, key)
}

// keyModified is Redis's signalModifiedKey: WATCH (and later client
// tracking) learn that key in db changed. The key's shard must be locked in tx.
func (s *Server) keyModified(tx *store.Tx, db int, key []byte) {
	if s.watch.count.Load() > 0 {
		s.touchWatchedKey(db, key, func() bool {
			exists, _ := tx.KeyStateIn(db, key)
			return exists
		})
	}
}

// notify fires a keyspace event without counting a change (for events that
// accompany another, like "expire" after "set").
func (c *Client) notify(class eventClass, event string, key []byte) {
	c.srv.notifyEvent(c, class, event, key, c.db)
}

// notifyKeyspaceEvent publishes a keyspace event to subscribers, as
// configured by notify-keyspace-events (notify.go), for a change the server
// makes on its own (expiry, eviction). Expired and evicted keys are also
// invalidated for client-side caching.
func (s *Server) notifyKeyspaceEvent(class eventClass, event string, key []byte, db int) {
	s.notifyEvent(nil, class, event, key, db)
}

// flushed is Redis's signalFlushedDb: the running command is about to empty
// database db (every database when db is -1). Call it before emptying:
// WATCHed keys that exist are touched, and client-side caches are told to
// drop everything.
func (c *Client) flushed(db int) {
	s := c.srv
	if s.watch.count.Load() > 0 {
		from, to := db, db
		if db < 0 {
			from, to = 0, s.store.Databases()-1
		}
		for d := from; d <= to; d++ {
			s.touchAllWatchedKeysInDB(d, -1, func(db int, key []byte) (bool, bool) {
				return c.tx.KeyStateIn(db, key)
			})
		}
	}
	s.invalidateAll()
}
