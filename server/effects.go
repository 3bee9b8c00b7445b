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
	c.changed(key)
	c.notify(class, event, key)
}

// changed is modified without a keyspace event (Redis's server.dirty++ and
// signalModifiedKey alone, as PFCOUNT writing its cached estimate): the
// change is counted and propagated, WATCH and client-side caches learn of
// it.
func (c *Client) changed(key []byte) {
	c.tx.Dirty++
	c.srv.keyModified(c.tx, c.db, key)
	c.srv.invalidateKey(c, key, true)
	if len(c.absent) > 0 {
		c.noteNewKey(key)
	}
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

// flushed is Redis's signalFlushedDb for client-side caching: the running
// command empties database db (every database when db is -1; SWAPDB counts
// as a flush too), so every tracking client is told to drop all it cached.
// (WATCHed keys are touched by the flushing command itself.)
func (c *Client) flushed(db int) {
	c.srv.invalidateAll()
}

// modifiedDB is modified for a key in database db, which may not be the
// client's (MOVE, COPY ... DB).
func (c *Client) modifiedDB(db int, key []byte, class eventClass, event string) {
	c.tx.Dirty++
	c.srv.keyModified(c.tx, db, key)
	c.srv.invalidateKey(c, key, true)
	c.srv.notifyEvent(c, class, event, key, db)
}
