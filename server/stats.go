package server

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// stats are the server-wide counters INFO reports. Per-command counting
// happens on the client (Client.commands) to keep shared cache lines off the
// hot path; these are summed when INFO asks.
type stats struct {
	connections     atomic.Int64 // total_connections_received
	rejectedConns   atomic.Int64
	retiredCommands atomic.Int64 // commands of clients already gone
	expiredKeys     atomic.Int64
	keyspaceHits    atomic.Int64
	keyspaceMisses  atomic.Int64
	authFailures    atomic.Int64

	errMu       sync.Mutex
	errors      map[string]int64 // error prefix -> count (INFO errorstats)
	totalErrors atomic.Int64
}

// countError records an error reply under its prefix ("ERR", "WRONGTYPE").
func (st *stats) countError(msg string) {
	st.totalErrors.Add(1)
	prefix := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		prefix = msg[:i]
	}
	st.errMu.Lock()
	st.errors[prefix]++
	st.errMu.Unlock()
}

// totalCommands is total_commands_processed.
func (s *Server) totalCommands() int64 {
	n := s.stats.retiredCommands.Load()
	for _, c := range s.clients.all() {
		n += c.commands.Load()
	}
	return n
}

func sortClients(cs []*Client) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
}
