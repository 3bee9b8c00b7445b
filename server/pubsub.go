package server

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ember-kv/ember/store/glob"
)

// Pub/Sub (pubsub.c): channels, patterns and shard channels.
//
// One registry maps channels and patterns to their subscribers, guarded by
// one mutex, so every subscriber sees messages in the same order (the order
// the publishers took the lock) and a subscription takes effect at one
// instant. Messages are delivered from the publisher's goroutine: each
// subscriber's copy is appended to its output queue (Client.push), which
// never blocks the publisher; a subscriber that does not read is closed at
// its client-output-buffer-limit (pubsub class).
//
// Ordering of a subscriber's own replies with the messages it receives:
// SUBSCRIBE registers the client and commits its replies to the output
// queue while holding the registry lock, so a message published after the
// subscription was made comes after the confirmation. Messages for the
// publishing client itself (a RESP3 client publishing to a channel it is
// subscribed to, or a keyspace event caused by its own command) go straight
// into its reply buffer, where Redis puts them: before the command's reply.

// pubsubRegistry is the server's subscription table.
type pubsubRegistry struct {
	mu       sync.Mutex
	channels map[string][]*Client // channel -> subscribers, in subscription order
	patterns map[string][]*Client // pattern -> subscribers
	shard    map[string][]*Client // shard channel -> subscribers

	// Sizes, for INFO without the lock.
	nchannels, npatterns, nshard atomic.Int64
}

func newPubsubRegistry() pubsubRegistry {
	return pubsubRegistry{
		channels: map[string][]*Client{},
		patterns: map[string][]*Client{},
		shard:    map[string][]*Client{},
	}
}

// subscriptions is one client's Pub/Sub state, guarded by the registry
// lock; the counts are atomics for CLIENT LIST and the dispatcher.
type subscriptions struct {
	channels orderedSet
	patterns orderedSet // Redis keeps patterns in a list: unsubscribing all goes in order
	shard    orderedSet

	nsub, npsub, nssub atomic.Int32
}

// orderedSet is a set of strings that remembers insertion order.
type orderedSet struct {
	idx  map[string]int
	list []string
}

func (s *orderedSet) has(v string) bool { _, ok := s.idx[v]; return ok }

func (s *orderedSet) add(v string) bool {
	if s.has(v) {
		return false
	}
	if s.idx == nil {
		s.idx = map[string]int{}
	}
	s.idx[v] = len(s.list)
	s.list = append(s.list, v)
	return true
}

func (s *orderedSet) remove(v string) bool {
	i, ok := s.idx[v]
	if !ok {
		return false
	}
	delete(s.idx, v)
	copy(s.list[i:], s.list[i+1:])
	s.list = s.list[:len(s.list)-1]
	for j := i; j < len(s.list); j++ {
		s.idx[s.list[j]] = j
	}
	return true
}

func (s *orderedSet) len() int { return len(s.list) }

// subscribed reports whether c is in Pub/Sub mode (Redis's CLIENT_PUBSUB):
// subscribed to at least one channel, pattern or shard channel.
func (c *Client) subscribed() bool {
	return c.subs.nsub.Load()+c.subs.npsub.Load()+c.subs.nssub.Load() > 0
}

// subscriptionCount is clientSubscriptionsCount: channels and patterns.
func (c *Client) subscriptionCount() int64 {
	return int64(c.subs.channels.len() + c.subs.patterns.len())
}

func (c *Client) syncSubCounts() {
	c.subs.nsub.Store(int32(c.subs.channels.len()))
	c.subs.npsub.Store(int32(c.subs.patterns.len()))
	c.subs.nssub.Store(int32(c.subs.shard.len()))
}

// Message kinds, as pushed to subscribers.
var (
	bulkMessage      = []byte("$7\r\nmessage\r\n")
	bulkPMessage     = []byte("$8\r\npmessage\r\n")
	bulkSMessage     = []byte("$8\r\nsmessage\r\n")
	bulkSubscribe    = []byte("$9\r\nsubscribe\r\n")
	bulkUnsubscribe  = []byte("$11\r\nunsubscribe\r\n")
	bulkPSubscribe   = []byte("$10\r\npsubscribe\r\n")
	bulkPUnsubscribe = []byte("$12\r\npunsubscribe\r\n")
	bulkSSubscribe   = []byte("$10\r\nssubscribe\r\n")
	bulkSUnsubscribe = []byte("$12\r\nsunsubscribe\r\n")
)

// pushHeader is the header of an n-element push: ">n" in RESP3, "*n" in
// RESP2.
func pushHeader(proto int32, n int) []byte {
	switch {
	case proto == 3 && n == 3:
		return []byte(">3\r\n")
	case proto == 3 && n == 4:
		return []byte(">4\r\n")
	case n == 3:
		return []byte("*3\r\n")
	case n == 4:
		return []byte("*4\r\n")
	}
	b := []byte{'*'}
	if proto == 3 {
		b[0] = '>'
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulk(b, v []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, '\r', '\n')
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// selfPush appends a push message to c's own reply buffer. Pushes are sent
// even under CLIENT REPLY OFF/SKIP (Redis's CLIENT_PUSHING), so their spans
// are remembered for settleReplies.
func (c *Client) selfPush(hdr, body []byte) {
	start := len(c.w.b)
	c.w.b = append(append(c.w.b, hdr...), body...)
	c.keep = append(c.keep, [2]int{start, len(c.w.b)})
}

// deliver sends a push to sub: into the reply buffer when sub is the client
// running the current command (from), else into its output queue.
func deliver(from, sub *Client, n int, body []byte) {
	if sub == from {
		sub.selfPush(pushHeader(int32(sub.w.proto), n), body)
		return
	}
	sub.push(pushHeader(sub.protoVer.Load(), n), body)
}

// publish sends msg to the subscribers of channel (and, unless shard, of
// the patterns matching it) and returns how many received it. from is the
// client whose command publishes (nil for the server itself).
func (s *Server) publish(from *Client, channel, msg []byte, shard bool) int64 {
	r := &s.pubsub
	if shard {
		if r.nshard.Load() == 0 {
			return 0
		}
	} else if r.nchannels.Load() == 0 && r.npatterns.Load() == 0 {
		return 0
	}
	var n int64
	r.mu.Lock()
	defer r.mu.Unlock()
	table, kind := r.channels, bulkMessage
	if shard {
		table, kind = r.shard, bulkSMessage
	}
	if subs := table[string(channel)]; len(subs) > 0 {
		body := make([]byte, 0, len(kind)+len(channel)+len(msg)+32)
		body = append(body, kind...)
		body = appendBulk(body, channel)
		body = appendBulk(body, msg)
		for _, sub := range subs {
			deliver(from, sub, 3, body)
			n++
		}
	}
	if shard {
		return n
	}
	for pat, subs := range r.patterns {
		if !glob.Match([]byte(pat), channel) {
			continue
		}
		body := make([]byte, 0, len(bulkPMessage)+len(pat)+len(channel)+len(msg)+48)
		body = append(body, bulkPMessage...)
		body = appendBulk(body, []byte(pat))
		body = appendBulk(body, channel)
		body = appendBulk(body, msg)
		for _, sub := range subs {
			deliver(from, sub, 4, body)
			n++
		}
	}
	return n
}

// subscriptionReply appends a (un)subscribe confirmation: kind, the
// channel (a null when nil) and the count, as a push.
func (c *Client) subscriptionReply(kind []byte, channel []byte, count int64) {
	body := make([]byte, 0, len(kind)+len(channel)+32)
	body = append(body, kind...)
	if channel == nil {
		if c.w.proto == 3 {
			body = append(body, "_\r\n"...)
		} else {
			body = append(body, "$-1\r\n"...)
		}
	} else {
		body = appendBulk(body, channel)
	}
	body = append(body, ':')
	body = strconv.AppendInt(body, count, 10)
	body = append(body, '\r', '\n')
	c.selfPush(pushHeader(int32(c.w.proto), 3), body)
}

func removeClient(list []*Client, c *Client) []*Client {
	for i, x := range list {
		if x == c {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// subscribe adds c to channels (patterns when pattern, shard channels when
// shard) and confirms each, then commits the replies while the registry is
// locked: any message published after this point follows them.
func (c *Client) subscribe(names [][]byte, pattern, shard bool) {
	r := &c.srv.pubsub
	r.mu.Lock()
	defer r.mu.Unlock()
	set, table, kind, counter := &c.subs.channels, r.channels, bulkSubscribe, &r.nchannels
	switch {
	case pattern:
		set, table, kind, counter = &c.subs.patterns, r.patterns, bulkPSubscribe, &r.npatterns
	case shard:
		set, table, kind, counter = &c.subs.shard, r.shard, bulkSSubscribe, &r.nshard
	}
	for _, name := range names {
		if set.add(string(name)) {
			subs, ok := table[string(name)]
			if !ok {
				counter.Add(1)
			}
			table[string(name)] = append(subs, c)
		}
		count := c.subscriptionCount()
		if shard {
			count = int64(c.subs.shard.len())
		}
		c.subscriptionReply(kind, name, count)
	}
	c.syncSubCounts()
	c.commit()
}

// unsubscribe removes c from the named channels (every one when names is
// empty), confirming each when notify. It reports how many it left.
func (c *Client) unsubscribe(names [][]byte, pattern, shard, notify bool) int {
	r := &c.srv.pubsub
	r.mu.Lock()
	defer r.mu.Unlock()
	return c.unsubscribeLocked(names, pattern, shard, notify)
}

func (c *Client) unsubscribeLocked(names [][]byte, pattern, shard, notify bool) int {
	r := &c.srv.pubsub
	set, table, kind, counter := &c.subs.channels, r.channels, bulkUnsubscribe, &r.nchannels
	switch {
	case pattern:
		set, table, kind, counter = &c.subs.patterns, r.patterns, bulkPUnsubscribe, &r.npatterns
	case shard:
		set, table, kind, counter = &c.subs.shard, r.shard, bulkSUnsubscribe, &r.nshard
	}
	all := len(names) == 0
	if all {
		for _, n := range set.list {
			names = append(names, []byte(n))
		}
	}
	count := 0
	for _, name := range names {
		if set.remove(string(name)) {
			count++
			subs := removeClient(table[string(name)], c)
			if len(subs) == 0 {
				delete(table, string(name))
				counter.Add(-1)
			} else {
				table[string(name)] = subs
			}
		}
		if notify {
			n := c.subscriptionCount()
			if shard {
				n = int64(c.subs.shard.len())
			}
			c.subscriptionReply(kind, name, n)
		}
	}
	if notify && all && count == 0 {
		n := c.subscriptionCount()
		if shard {
			n = int64(c.subs.shard.len())
		}
		c.subscriptionReply(kind, nil, n)
	}
	c.syncSubCounts()
	return count
}

// unsubscribeAll drops every subscription of c without replies (RESET,
// disconnection).
func (c *Client) unsubscribeAll() {
	if !c.subscribed() {
		return
	}
	r := &c.srv.pubsub
	r.mu.Lock()
	c.unsubscribeLocked(nil, false, false, false)
	c.unsubscribeLocked(nil, false, true, false)
	c.unsubscribeLocked(nil, true, false, false)
	r.mu.Unlock()
}

// channelNames lists the active channels (shard channels when shard)
// matching pat (every one when pat is nil).
func (s *Server) channelNames(pat []byte, shard bool) [][]byte {
	r := &s.pubsub
	r.mu.Lock()
	defer r.mu.Unlock()
	table := r.channels
	if shard {
		table = r.shard
	}
	var out [][]byte
	for ch := range table {
		if pat == nil || glob.Match(pat, []byte(ch)) {
			out = append(out, []byte(ch))
		}
	}
	return out
}

// numSub returns the number of subscribers of each channel.
func (s *Server) numSub(channels [][]byte, shard bool) []int64 {
	r := &s.pubsub
	r.mu.Lock()
	defer r.mu.Unlock()
	table := r.channels
	if shard {
		table = r.shard
	}
	out := make([]int64, len(channels))
	for i, ch := range channels {
		out[i] = int64(len(table[string(ch)]))
	}
	return out
}

// killDeniedSubscribers is Redis's ACLKillPubsubClientsIfNeeded: after
// ACL SETUSER changed u, the clients authenticated as u that are
// subscribed to a channel, pattern or shard channel u may no longer use are
// disconnected (the client that ran SETUSER after its reply).
func (s *Server) killDeniedSubscribers(self *Client, u *User) {
	if u == nil {
		return
	}
	rules := u.get()
	for _, c := range s.clients.all() {
		if c.aclUser.Load() != u || !c.subscribed() {
			continue
		}
		kill := false
		s.pubsub.mu.Lock()
		for _, p := range c.subs.patterns.list {
			kill = kill || !rules.checkChannel([]byte(p), true)
		}
		for _, ch := range append(append([]string(nil), c.subs.channels.list...), c.subs.shard.list...) {
			kill = kill || !rules.checkChannel([]byte(ch), false)
		}
		s.pubsub.mu.Unlock()
		if !kill {
			continue
		}
		if c == self {
			c.closeAfter = true
		} else {
			c.Kill()
		}
	}
}
