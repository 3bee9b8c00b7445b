package server

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
)

// Per-command statistics for INFO commandstats. Each command (and
// subcommand) gets a small index when the table is built; counters are
// atomics in a table shared by all clients, so the hot path pays one
// uncontended-in-the-common-case add per counter and no lock.

type cmdCounter struct {
	calls    atomic.Int64
	usec     atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
}

type cmdStatsTable struct {
	cmds     []*Command
	counters []cmdCounter
	index    map[*Command]int
}

// init indexes every command and subcommand of t.
func (cs *cmdStatsTable) init(t *Table) {
	cs.index = map[*Command]int{}
	var add func(c *Command)
	add = func(c *Command) {
		if c.Handler != nil {
			cs.index[c] = len(cs.cmds)
			cs.cmds = append(cs.cmds, c)
		}
		for _, sc := range c.Sub {
			add(sc)
		}
	}
	for _, c := range t.Commands() {
		add(c)
	}
	cs.counters = make([]cmdCounter, len(cs.cmds))
}

func (cs *cmdStatsTable) counter(cmd *Command) *cmdCounter {
	if i, ok := cs.index[cmd]; ok {
		return &cs.counters[i]
	}
	return nil
}

// called records a finished call of cmd.
func (cs *cmdStatsTable) called(cmd *Command, usec int64, failed bool) {
	if ct := cs.counter(cmd); ct != nil {
		ct.calls.Add(1)
		ct.usec.Add(usec)
		if failed {
			ct.failed.Add(1)
		}
	}
}

// rejected records a call refused before it ran (arity, authentication).
func (cs *cmdStatsTable) rejected(cmd *Command) {
	if ct := cs.counter(cmd); ct != nil {
		ct.rejected.Add(1)
	}
}

func (cs *cmdStatsTable) reset() {
	for i := range cs.counters {
		ct := &cs.counters[i]
		ct.calls.Store(0)
		ct.usec.Store(0)
		ct.rejected.Store(0)
		ct.failed.Store(0)
	}
}

func (s *Server) infoCommandStats(b *strings.Builder) {
	b.WriteString("# Commandstats\r\n")
	type row struct {
		name                          string
		calls, usec, rejected, failed int64
	}
	var rows []row
	for i, cmd := range s.cmdStats.cmds {
		ct := &s.cmdStats.counters[i]
		r := row{cmd.FullName, ct.calls.Load(), ct.usec.Load(), ct.rejected.Load(), ct.failed.Load()}
		if r.calls == 0 && r.rejected == 0 && r.failed == 0 {
			continue
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	for _, r := range rows {
		per := 0.0
		if r.calls > 0 {
			per = float64(r.usec) / float64(r.calls)
		}
		fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n", r.name, r.calls, r.usec, per, r.rejected, r.failed)
	}
}
