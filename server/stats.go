package server

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stats are the server-wide counters INFO reports. Per-command counting
// happens on the client (Client.commands) to keep shared cache lines off the
// hot path; these are summed when INFO asks.
type stats struct {
	connections     atomic.Int64 // total_connections_received
	rejectedConns   atomic.Int64
	retiredCommands atomic.Int64 // commands of clients already gone
	commandsBase    atomic.Int64 // total at the last CONFIG RESETSTAT
	retiredDirty    atomic.Int64 // changes made by clients already gone
	expiredKeys     atomic.Int64
	evictedKeys     atomic.Int64
	evictedClients  atomic.Int64
	keyspaceHits    atomic.Int64
	keyspaceMisses  atomic.Int64
	authFailures    atomic.Int64
	netInput        atomic.Int64
	netOutput       atomic.Int64
	unexpectedErrs  atomic.Int64

	errMu       sync.Mutex
	errors      map[string]int64 // error prefix -> count (INFO errorstats)
	totalErrors atomic.Int64

	// Instantaneous metrics, sampled by the cron every 100ms as Redis's
	// trackInstantaneousMetric: the average over the last 16 samples.
	instMu      sync.Mutex
	instOps     metricSamples
	instInput   metricSamples
	instOutput  metricSamples
	peakMemory  atomic.Int64
	lastSave    atomic.Int64 // unix seconds of the last successful save
	lastBgsave  atomic.Bool  // last background save failed
	dirtyAtSave atomic.Int64 // changes counted at the last save

	// Background saves and rewrites started (Redis's forks): total_forks,
	// and latest_fork_usec, the time taking the snapshot took.
	forks    atomic.Int64
	forkUsec atomic.Int64
}

// forked records a background save or rewrite that started at begin, its
// snapshot taken now.
func (st *stats) forked(begin time.Time) {
	st.forks.Add(1)
	st.forkUsec.Store(time.Since(begin).Microseconds())
}

const metricSampleCount = 16

type metricSamples struct {
	lastTime  time.Time
	lastValue int64
	samples   [metricSampleCount]int64
	idx       int
}

// track records a sample of a monotonically growing counter.
func (m *metricSamples) track(now time.Time, value int64) {
	if !m.lastTime.IsZero() {
		ms := now.Sub(m.lastTime).Milliseconds()
		if ms <= 0 {
			ms = 1
		}
		m.samples[m.idx] = (value - m.lastValue) * 1000 / ms
		m.idx = (m.idx + 1) % metricSampleCount
	}
	m.lastTime = now
	m.lastValue = value
}

func (m *metricSamples) value() int64 {
	var sum int64
	for _, v := range m.samples {
		sum += v
	}
	return sum / metricSampleCount
}

// countError records an error reply under its code, as Redis's
// afterErrorReply: the first word when a space comes within the first 32
// bytes of the reply ("-" included), else "ERR".
func (st *stats) countError(msg string) {
	st.totalErrors.Add(1)
	prefix := "ERR"
	if i := strings.IndexByte(msg[:min(len(msg), 31)], ' '); i >= 0 {
		prefix = msg[:i]
	}
	st.errMu.Lock()
	st.errors[prefix]++
	st.errMu.Unlock()
}

// errorCounts returns the errorstats counters sorted by prefix.
func (st *stats) errorCounts() [][2]any {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	names := make([]string, 0, len(st.errors))
	for n := range st.errors {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([][2]any, len(names))
	for i, n := range names {
		out[i] = [2]any{n, st.errors[n]}
	}
	return out
}

// totalCommands is total_commands_processed.
func (s *Server) totalCommands() int64 {
	return s.rawCommands() - s.stats.commandsBase.Load()
}

func (s *Server) rawCommands() int64 {
	n := s.stats.retiredCommands.Load()
	for _, c := range s.clients.all() {
		n += c.commands.Load()
	}
	return n
}

// dirty is the number of changes since start-up (Redis's server.dirty
// before it is reset by a save).
func (s *Server) dirty() int64 {
	n := s.stats.retiredDirty.Load()
	for _, c := range s.clients.all() {
		n += c.dirty.Load()
	}
	return n
}

// sampleMetrics feeds the instantaneous metrics; the cron calls it every
// 100ms.
func (s *Server) sampleMetrics(now time.Time) {
	ops := s.rawCommands()
	s.stats.instMu.Lock()
	s.stats.instOps.track(now, ops)
	s.stats.instInput.track(now, s.stats.netInput.Load())
	s.stats.instOutput.track(now, s.stats.netOutput.Load())
	s.stats.instMu.Unlock()
}

// resetStats clears the counters CONFIG RESETSTAT clears.
func (s *Server) resetStats() {
	st := &s.stats
	st.commandsBase.Store(s.rawCommands())
	st.connections.Store(0)
	st.rejectedConns.Store(0)
	st.expiredKeys.Store(0)
	st.evictedKeys.Store(0)
	st.evictedClients.Store(0)
	st.keyspaceHits.Store(0)
	st.keyspaceMisses.Store(0)
	st.authFailures.Store(0)
	st.netInput.Store(0)
	st.netOutput.Store(0)
	st.unexpectedErrs.Store(0)
	st.totalErrors.Store(0)
	st.forks.Store(0)
	st.forkUsec.Store(0)
	st.errMu.Lock()
	st.errors = map[string]int64{}
	st.errMu.Unlock()
	st.instMu.Lock()
	st.instOps = metricSamples{}
	st.instInput = metricSamples{}
	st.instOutput = metricSamples{}
	st.instMu.Unlock()
	s.cmdStats.reset()
}

func sortClients(cs []*Client) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].id < cs[j].id })
}
