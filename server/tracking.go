package server

import (
	"bytes"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ember-kv/ember/store"
)

// Client-side caching (tracking.c): CLIENT TRACKING, CLIENT CACHING,
// invalidation messages.
//
// The tracking table maps keys (across databases, as Redis) to the ids of
// the clients that read them; a change to a key sends each of them one
// invalidation and forgets the key. In BCAST mode clients register
// prefixes instead, and changed keys are collected per prefix and sent once
// the command that changed them is done.
//
// Ordering, which is what makes caching safe: a client must receive an
// invalidation after the reply that carried the value it invalidates.
// While a tracking client runs a command (from before its first key lookup
// until its reply has been committed to its output queue, both under its
// shard locks) invalidations for it wait in out.pending; afterwards they go
// straight to its queue, behind the reply. This also gives Redis's rule that
// a client's invalidations caused by its own command follow that command's
// reply (and a transaction's whole reply).

// trackingTable is the server's tracking state, guarded by mu.
type trackingTable struct {
	mu          sync.Mutex
	keys        map[string]map[int64]struct{} // key -> ids of clients that may cache it
	items       int64                         // ids across all keys
	prefixes    map[string]*bcastState        // BCAST prefix -> state
	evictEffort int                           // trackingLimitUsedSlots's timeout_counter

	clients  atomic.Int64 // clients with tracking on
	nkeys    atomic.Int64 // len(keys), read without the lock
	nprefix  atomic.Int64 // len(prefixes)
	nitems   atomic.Int64
	bcastDue atomic.Bool // some prefix collected keys to broadcast
}

// bcastState is one BCAST prefix: the keys changed since the last broadcast
// (with the client that last changed each, for NOLOOP) and its clients.
type bcastState struct {
	keys    map[string]*Client
	clients map[*Client]struct{}
}

// tracking is one client's tracking state, guarded by the table's mu (the
// client's own goroutine also reads it without the lock: only it changes
// it). flags mirrors it for CLIENT LIST.
type tracking struct {
	on, bcast, optin, optout, noloop, caching, broken bool
	redirect                                          int64
	prefixes                                          []string // sorted, as Redis's radix tree lists them

	flags      atomic.Uint32 // for CLIENT LIST
	redirectID atomic.Int64
}

// Tracking flags as CLIENT LIST shows them.
const (
	trackFlagOn uint32 = 1 << iota
	trackFlagBroken
	trackFlagBcast
)

func (t *tracking) syncFlags() {
	var f uint32
	if t.on {
		f |= trackFlagOn
	}
	if t.broken {
		f |= trackFlagBroken
	}
	if t.bcast {
		f |= trackFlagBcast
	}
	t.flags.Store(f)
	t.redirectID.Store(t.redirect)
}

// pendingInvalidation is an invalidation held back until the client's
// reply is committed: a key array, or a flush (null) when payload is nil.
type pendingInvalidation struct {
	payload []byte
}

func newTrackingTable() trackingTable {
	return trackingTable{keys: map[string]map[int64]struct{}{}, prefixes: map[string]*bcastState{}}
}

// Errors of CLIENT TRACKING and CLIENT CACHING.
const (
	errTrackRedirTwice   = "ERR A client can only redirect to a single other client"
	errTrackRedirMissing = "ERR The client ID you want redirect to does not exist"
	errTrackPrefixBcast  = "ERR PREFIX option requires BCAST mode to be enabled"
	errTrackBcastSwitch  = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	errTrackOptBcast     = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	errTrackOptBoth      = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	errTrackOptSwitch    = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	errCachingNotTrack   = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	errCachingYes        = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	errCachingNo         = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
)

// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
func cmdClientTracking(c *Client, args [][]byte) {
	var redir int64
	var bcast, optin, optout, noloop bool
	var prefixes [][]byte
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := optKeyword(args[j]); {
		case opt == "redirect" && more > 0:
			j++
			if redir != 0 {
				c.Error(errTrackRedirTwice)
				return
			}
			n, ok := store.ParseInt(args[j])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			redir = n
			if c.srv.clients.get(redir) == nil {
				c.Error(errTrackRedirMissing)
				return
			}
		case opt == "bcast":
			bcast = true
		case opt == "optin":
			optin = true
		case opt == "optout":
			optout = true
		case opt == "noloop":
			noloop = true
		case opt == "prefix" && more > 0:
			j++
			prefixes = append(prefixes, args[j])
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	switch optKeyword(args[2]) {
	case "on":
		t := &c.track
		switch {
		case !bcast && len(prefixes) > 0:
			c.Error(errTrackPrefixBcast)
			return
		case t.on && t.bcast != bcast:
			c.Error(errTrackBcastSwitch)
			return
		case bcast && (optin || optout):
			c.Error(errTrackOptBcast)
			return
		case optin && optout:
			c.Error(errTrackOptBoth)
			return
		case (optin && t.optout) || (optout && t.optin):
			c.Error(errTrackOptSwitch)
			return
		}
		if bcast {
			if msg := c.prefixCollision(prefixes); msg != "" {
				c.Error(msg)
				return
			}
		}
		c.srv.enableTracking(c, redir, bcast, optin, optout, noloop, prefixes)
	case "off":
		c.srv.disableTracking(c)
	default:
		c.Error(ErrSyntax)
		return
	}
	c.w.OK()
}

// prefixCollision is checkPrefixCollisionsOrReply: prefixes of one client
// must not overlap (one a prefix of the other), among themselves or with
// those it has.
func (c *Client) prefixCollision(prefixes [][]byte) string {
	overlap := func(a, b []byte) bool {
		n := min(len(a), len(b))
		return bytes.Equal(a[:n], b[:n])
	}
	for i, p := range prefixes {
		for _, have := range c.track.prefixes {
			if overlap([]byte(have), p) {
				return "ERR Prefix '" + string(cstr(p)) + "' overlaps with an existing prefix '" + string(cstr([]byte(have))) + "'. Prefixes for a single client must not overlap."
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				return "ERR Prefix '" + string(cstr(p)) + "' overlaps with another provided prefix '" + string(cstr(q)) + "'. Prefixes for a single client must not overlap."
			}
		}
	}
	return ""
}

// enableTracking turns tracking on for c, as tracking.c's enableTracking.
func (s *Server) enableTracking(c *Client, redir int64, bcast, optin, optout, noloop bool, prefixes [][]byte) {
	t := &s.tracking
	t.mu.Lock()
	defer t.mu.Unlock()
	ct := &c.track
	if !ct.on {
		t.clients.Add(1)
	}
	ct.on = true
	ct.broken, ct.bcast, ct.optin, ct.optout, ct.noloop = false, false, false, false, false
	ct.redirect = redir
	if bcast {
		ct.bcast = true
		if len(prefixes) == 0 {
			s.addBcastPrefix(c, "")
		}
		for _, p := range prefixes {
			s.addBcastPrefix(c, string(p))
		}
	}
	ct.optin, ct.optout, ct.noloop = optin, optout, noloop
	ct.syncFlags()
}

func (s *Server) addBcastPrefix(c *Client, p string) {
	t := &s.tracking
	bs := t.prefixes[p]
	if bs == nil {
		bs = &bcastState{keys: map[string]*Client{}, clients: map[*Client]struct{}{}}
		t.prefixes[p] = bs
		t.nprefix.Add(1)
	}
	if _, ok := bs.clients[c]; ok {
		return
	}
	bs.clients[c] = struct{}{}
	i := sort.SearchStrings(c.track.prefixes, p)
	if i == len(c.track.prefixes) || c.track.prefixes[i] != p {
		c.track.prefixes = append(c.track.prefixes, "")
		copy(c.track.prefixes[i+1:], c.track.prefixes[i:])
		c.track.prefixes[i] = p
	}
}

// disableTracking turns tracking off for c. The keys it read stay in the
// table (Redis removes ids lazily, when the key is invalidated).
func (s *Server) disableTracking(c *Client) {
	t := &s.tracking
	if !c.track.on && len(c.track.prefixes) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	ct := &c.track
	for _, p := range ct.prefixes {
		if bs := t.prefixes[p]; bs != nil {
			delete(bs.clients, c)
			if len(bs.clients) == 0 {
				delete(t.prefixes, p)
				t.nprefix.Add(-1)
			}
		}
	}
	ct.prefixes = nil
	if ct.on {
		t.clients.Add(-1)
		ct.on, ct.broken, ct.bcast, ct.optin, ct.optout, ct.caching, ct.noloop = false, false, false, false, false, false, false
	}
	ct.syncFlags()
}

// CLIENT CACHING YES|NO
func cmdClientCaching(c *Client, args [][]byte) {
	t := &c.track
	if !t.on {
		c.Error(errCachingNotTrack)
		return
	}
	switch optKeyword(args[2]) {
	case "yes":
		if !t.optin {
			c.Error(errCachingYes)
			return
		}
	case "no":
		if !t.optout {
			c.Error(errCachingNo)
			return
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	t.caching = true
	c.w.OK()
}

// CLIENT GETREDIR
func cmdClientGetRedir(c *Client, args [][]byte) {
	if c.track.on {
		c.w.Int(c.track.redirect)
	} else {
		c.w.Int(-1)
	}
}

// CLIENT TRACKINGINFO
func cmdClientTrackingInfo(c *Client, args [][]byte) {
	c.srv.tracking.mu.Lock()
	defer c.srv.tracking.mu.Unlock()
	t := &c.track
	c.w.Map(3)
	c.w.BulkString("flags")
	flags := []string{"off"}
	if t.on {
		flags[0] = "on"
	}
	if t.bcast {
		flags = append(flags, "bcast")
	}
	if t.optin {
		flags = append(flags, "optin")
		if t.caching {
			flags = append(flags, "caching-yes")
		}
	}
	if t.optout {
		flags = append(flags, "optout")
		if t.caching {
			flags = append(flags, "caching-no")
		}
	}
	if t.noloop {
		flags = append(flags, "noloop")
	}
	if t.broken {
		flags = append(flags, "broken_redirect")
	}
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.BulkString(f)
	}
	c.w.BulkString("redirect")
	if t.on {
		c.w.Int(t.redirect)
	} else {
		c.w.Int(-1)
	}
	c.w.BulkString("prefixes")
	c.w.Array(len(t.prefixes))
	for _, p := range t.prefixes {
		c.w.BulkString(p)
	}
}

// rememberKeys is trackingRememberKeys: after a read-only command, the keys
// it named are recorded for c (unless OPTIN without CACHING YES, or OPTOUT
// with CACHING NO). It runs before the command's shard locks are released,
// so a change made right after the read finds c in the table.
func (c *Client) rememberKeys(cmd *Command, args [][]byte) {
	t := &c.track
	if !t.on || t.bcast || !cmd.Has(FlagReadonly) || cmd.Has(FlagPubSub) {
		return
	}
	if (t.optin && !t.caching) || (t.optout && t.caching) {
		return
	}
	pos := cmd.keyPositions(args, c.keys[:0])
	c.keys = pos
	if len(pos) == 0 {
		return
	}
	tt := &c.srv.tracking
	tt.mu.Lock()
	for _, p := range pos {
		ids := tt.keys[string(args[p])]
		if ids == nil {
			ids = map[int64]struct{}{}
			tt.keys[string(args[p])] = ids
		}
		if _, ok := ids[c.id]; !ok {
			ids[c.id] = struct{}{}
			tt.items++
		}
	}
	tt.nkeys.Store(int64(len(tt.keys)))
	tt.nitems.Store(tt.items)
	tt.mu.Unlock()
}

// trackingActive reports whether any key is tracked or any prefix
// registered: the fast path for every change.
func (s *Server) trackingActive() bool {
	return s.tracking.nkeys.Load() > 0 || s.tracking.nprefix.Load() > 0
}

// invalidateKey is trackingInvalidateKey: key changed (by from, nil for the
// server itself); every client that may cache it is told, and in BCAST
// mode the key is collected for the prefixes it matches when bcast.
func (s *Server) invalidateKey(from *Client, key []byte, bcast bool) {
	if !s.trackingActive() {
		return
	}
	t := &s.tracking
	t.mu.Lock()
	defer t.mu.Unlock()
	s.invalidateKeyLocked(from, key, bcast)
}

func (s *Server) invalidateKeyLocked(from *Client, key []byte, bcast bool) {
	t := &s.tracking
	if bcast && len(t.prefixes) > 0 {
		for p, bs := range t.prefixes {
			if len(p) <= len(key) && string(key[:len(p)]) == p {
				bs.keys[string(key)] = from
				t.bcastDue.Store(true)
			}
		}
	}
	ids, ok := t.keys[string(key)]
	if !ok {
		return
	}
	var payload []byte
	for id := range ids {
		target := s.clients.get(id)
		if target == nil || !target.track.on || target.track.bcast {
			continue
		}
		if target.track.noloop && target == from {
			continue
		}
		if payload == nil {
			payload = appendBulk([]byte("*1\r\n"), key)
		}
		s.sendInvalidation(target, payload)
	}
	t.items -= int64(len(ids))
	delete(t.keys, string(key))
	t.nkeys.Store(int64(len(t.keys)))
	t.nitems.Store(t.items)
}

// invalidateAll is trackingInvalidateKeysOnFlush: every tracking client is
// told that all its keys are invalid (a null), and the table is emptied.
func (s *Server) invalidateAll() {
	t := &s.tracking
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clients.Load() > 0 {
		for _, c := range s.clients.all() {
			if c.track.on {
				s.sendInvalidation(c, nil)
			}
		}
	}
	t.keys = map[string]map[int64]struct{}{}
	t.items = 0
	t.nkeys.Store(0)
	t.nitems.Store(0)
}

// sendInvalidation delivers an invalidation for tracking client c: held
// back while c runs a command, else sent now. The table's mu is held.
func (s *Server) sendInvalidation(c *Client, payload []byte) {
	o := &c.out
	o.mu.Lock()
	if o.running {
		o.pending = append(o.pending, pendingInvalidation{payload: payload})
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	s.sendTrackingMessage(c, payload)
}

// sendTrackingMessage is tracking.c's sendTrackingMessage: to c, or to the
// client it redirects to (as a Pub/Sub message on __redis__:invalidate
// when that one speaks RESP2 and is subscribed). A nil payload is a flush:
// a null in c's protocol. The table's mu is held (it guards c.track).
func (s *Server) sendTrackingMessage(c *Client, payload []byte) {
	if payload == nil {
		if c.protoVer.Load() == 3 {
			payload = []byte("_\r\n")
		} else {
			payload = []byte("$-1\r\n")
		}
	}
	target := c
	redirected := false
	if id := c.track.redirect; id != 0 {
		target = s.clients.get(id)
		if target == nil {
			if !c.track.broken {
				c.track.broken = true
				c.track.syncFlags()
			}
			if c.protoVer.Load() == 3 {
				body := appendBulk(nil, []byte("tracking-redir-broken"))
				body = append(body, ':')
				body = strconv.AppendInt(body, id, 10)
				body = append(body, '\r', '\n')
				c.push([]byte(">2\r\n"), body)
			}
			return
		}
		redirected = true
	}
	switch {
	case target.protoVer.Load() == 3:
		target.push([]byte(">2\r\n"), append([]byte("$10\r\ninvalidate\r\n"), payload...))
	case redirected && target.subscribed():
		target.push([]byte("*3\r\n"), append([]byte("$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"), payload...))
	}
}

// broadcastInvalidations is trackingBroadcastInvalidationMessages: for
// every prefix that collected changed keys, each of its clients gets one
// message with them (without the ones it changed itself under NOLOOP).
func (s *Server) broadcastInvalidations() {
	t := &s.tracking
	if !t.bcastDue.Swap(false) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.prefixes))
	for p := range t.prefixes {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		bs := t.prefixes[p]
		if len(bs.keys) == 0 {
			continue
		}
		keys := make([]string, 0, len(bs.keys))
		for k := range bs.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		all := bcastPayload(keys, bs.keys, nil)
		for c := range bs.clients {
			if c.track.noloop {
				if own := bcastPayload(keys, bs.keys, c); own != nil {
					s.sendInvalidation(c, own)
				}
				continue
			}
			s.sendInvalidation(c, all)
		}
		bs.keys = map[string]*Client{}
	}
}

// bcastPayload builds the array of changed keys, without those last changed
// by skip (nil when that leaves none).
func bcastPayload(keys []string, by map[string]*Client, skip *Client) []byte {
	n := 0
	for _, k := range keys {
		if skip == nil || by[k] != skip {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	b := append([]byte{'*'}, strconv.Itoa(n)...)
	b = append(b, '\r', '\n')
	for _, k := range keys {
		if skip == nil || by[k] != skip {
			b = appendBulk(b, []byte(k))
		}
	}
	return b
}

// limitTrackedKeys is trackingLimitUsedSlots: past tracking-table-max-keys,
// keys are dropped at random (with an invalidation to their clients), with
// an effort that grows while the table stays over the limit.
func (s *Server) limitTrackedKeys() {
	t := &s.tracking
	limit := s.cfg.GetInt("tracking-table-max-keys")
	if limit == 0 || t.nkeys.Load() <= limit {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	effort := 100 * (t.evictEffort + 1)
	for k := range t.keys {
		if effort == 0 {
			break
		}
		effort--
		s.invalidateKeyLocked(nil, []byte(k), false)
		if int64(len(t.keys)) <= limit {
			t.evictEffort = 0
			return
		}
	}
	t.evictEffort++
}

// enterCommand marks a tracking client as running a command: invalidations
// for it wait until leaveCommand.
func (c *Client) enterCommand() {
	if !c.track.on {
		return
	}
	o := &c.out
	o.mu.Lock()
	o.running = true
	o.mu.Unlock()
}

// leaveCommand ends what enterCommand began, before the command's shard
// locks are released: the replies of a client that can receive pushes
// are committed to its output queue, so that anything pushed to it later
// (a message, an invalidation) follows them; then the invalidations held
// back are sent.
//
// A command that blocks (BLPOP ...) has no reply yet: its invalidations
// keep waiting, and the connection calls leaveCommand again once the reply
// is written.
func (c *Client) leaveCommand() {
	if !c.track.on && !c.subscribed() && !c.out.running {
		return
	}
	if c.isBlocked() {
		return
	}
	c.settleReplies()
	// A committed reply may be written by the writer goroutine at once, so
	// the AOF has to hold its effect first. This waits under the command's
	// shard locks, only for clients that take pushes while the AOF is on.
	c.awaitLog()
	o := &c.out
	o.mu.Lock()
	if len(c.w.b) > 0 && o.err == nil && !o.closing {
		o.queue.Append(c.w.b)
		c.noteObuf()
		c.committed = true
		c.resetReplies()
	}
	o.running = false
	pending := o.pending
	o.pending = nil
	o.mu.Unlock()
	if len(pending) > 0 {
		t := &c.srv.tracking
		t.mu.Lock()
		for _, p := range pending {
			c.srv.sendTrackingMessage(c, p.payload)
		}
		t.mu.Unlock()
	}
}

// trackingInfo returns tracking_total_keys, tracking_total_items and
// tracking_total_prefixes for INFO.
func (s *Server) trackingInfo() (keys, items, prefixes int64) {
	t := &s.tracking
	return t.nkeys.Load(), t.nitems.Load(), t.nprefix.Load()
}
