package server

import (
	"bytes"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// The processor governor: how many cores the Go scheduler may run Ember's
// goroutines on (GOMAXPROCS), adapted to the load and to what the rest of
// the machine uses.
//
// Every connection is a goroutine. With more than one P, a goroutine made
// runnable by the network poller wakes an idle P (a futex wake, then a
// spinning thread polling for work), which costs a few microseconds per
// request. That buys parallelism when Ember has cores to itself, and is
// pure overhead when it does not: measured on a 2-core machine with
// redis-benchmark beside the server, one P instead of two cut the CPU per
// request by 30% without pipelining and raised throughput by 60%.
//
// So Ember runs on one P while one is enough, and on more when it is busy
// and the machine has idle cores for it: the target is the cores the other
// processes leave free, and one when Ember's own load is under half a
// core. A change needs the same target three samples in a row, so that
// short bursts do not make it flap. Setting GOMAXPROCS in the environment
// turns the governor off.

const (
	governorPeriod = 200 * time.Millisecond
	governorStable = 3   // samples agreeing before a change
	governorLight  = 0.5 // cores of own load that one P serves well
)

// procTarget is the number of Ps for a sample: own is Ember's CPU use and
// others the rest of the machine's, both in cores, of ncpu cores.
func procTarget(own, others float64, ncpu int) int {
	if own < governorLight {
		return 1
	}
	free := float64(ncpu) - others // what Ember may use
	return max(1, min(ncpu, int(free+0.3)))
}

// governor holds the state between samples.
type governor struct {
	ncpu        int
	cur         int
	pending     int // target seen in the last samples
	seen        int // how many samples in a row
	lastOwn     time.Duration
	last        cpuStat
	lastAt      time.Time
	setProcs    func(int) int
	readOwn     func() time.Duration
	readMachine func() (cpuStat, bool)

	// Placement (see place). pin is nil when the process may not be
	// pinned; allowed is where it may run.
	allowed []int
	pinned  int // the CPU the process is pinned to, or -1
	crowded int // samples in a row the pinned CPU was crowded
	pin     func(cpus []int) error
	coin    func() bool
	pinOK   func() bool // nil: always
}

// step takes one sample at now and returns the number of Ps in force.
func (g *governor) step(now time.Time) int {
	own := g.readOwn()
	st, ok := g.readMachine()
	if !ok || g.lastAt.IsZero() || st.all.total <= g.last.all.total {
		g.lastOwn, g.last, g.lastAt = own, st, now
		return g.cur
	}
	wall := now.Sub(g.lastAt).Seconds()
	ownCores := (own - g.lastOwn).Seconds() / wall
	// The machine's busy share of all its cores, over the same interval.
	machineCores := st.all.since(g.last.all) * float64(g.ncpu)
	prev := g.last
	g.lastOwn, g.last, g.lastAt = own, st, now
	target := procTarget(ownCores, max(0, machineCores-ownCores), g.ncpu)
	if n := len(g.allowed); n > 0 && target > n {
		target = n // no more Ps than CPUs the process may run on (server_cpulist)
	}
	if target != g.pending {
		g.pending, g.seen = target, 0
	}
	g.seen++
	if target != g.cur && g.seen >= governorStable {
		g.cur = target
		g.setProcs(target)
	}
	g.place(st, prev)
	return g.cur
}

// place pins the process to one CPU while it runs on one P, and lets it
// run anywhere allowed when it runs on more.
//
// On one P only one thread runs Go code at a time, but the kernel moves
// it between cores as it sleeps and wakes, often onto the core of the
// client that just woke it, and the runtime's other threads land beside
// it. Beside redis-benchmark on two cores, pinning the server cut its p99
// latency by a quarter to a half and raised throughput (BENCHMARKS.md).
//
// The CPU chosen is the least busy one; Ember moves when its CPU stays
// saturated while another is mostly idle (something else pinned there, or
// another Ember), after the same governorStable samples and a coin toss,
// so that two processes that chose the same CPU do not keep moving
// together.
//
// pinOK says when not to pin: a server that waits on the disk for every
// write (appendfsync always) leaves its CPU idle between fsyncs, the
// client moves onto it, and a pinned server then has to share that core
// (-10% SET throughput measured) where an unpinned one would wake on the
// free one.
func (g *governor) place(now, prev cpuStat) {
	if g.pin == nil || len(g.allowed) < 2 {
		return
	}
	if g.cur > 1 || (g.pinOK != nil && !g.pinOK()) {
		if g.pinned >= 0 && g.pin(g.allowed) == nil {
			g.pinned = -1
		}
		g.crowded = 0
		return
	}
	share := func(c int) float64 {
		if c >= len(now.cpus) || c >= len(prev.cpus) || now.cpus[c].total == 0 {
			return 2 // not reported: never the least busy
		}
		return now.cpus[c].since(prev.cpus[c])
	}
	best := -1
	for _, c := range g.allowed {
		if c != g.pinned && (best < 0 || share(c) < share(best)) {
			best = c
		}
	}
	target := g.pinned
	switch {
	case g.pinned < 0:
		target = best
	case share(g.pinned) >= 0.9 && share(best) <= 0.5:
		g.crowded++
		if g.crowded >= governorStable && g.coin() {
			target, g.crowded = best, 0
		}
	default:
		g.crowded = 0
	}
	if target < 0 || share(target) > 1 {
		return
	}
	// Applied at every sample: threads started since the last one.
	if err := g.pin([]int{target}); err != nil {
		// Not allowed here (a container may refuse affinity changes):
		// stop trying, and undo whatever part did apply.
		_ = g.pin(g.allowed)
		g.pin, g.pinned = nil, -1
		return
	}
	g.pinned = target
}

// StartGovernor runs the governor for the life of the process, where it
// can read the machine's load (Linux) and the user did not fix GOMAXPROCS.
// pinOK, when not nil, says whether the process may be pinned now.
func StartGovernor(pinOK func() bool) {
	singleP.Store(runtime.GOMAXPROCS(0) == 1)
	if os.Getenv("GOMAXPROCS") != "" || runtime.NumCPU() < 2 {
		return
	}
	if _, ok := machineTicks(); !ok {
		return
	}
	g := &governor{
		ncpu:        runtime.NumCPU(),
		cur:         1,
		setProcs:    setProcs,
		readOwn:     processCPU,
		readMachine: machineTicks,
		allowed:     allowedCPUs(),
		pinned:      -1,
		pin:         pinProcess,
		coin:        func() bool { return rand.IntN(2) == 0 },
		pinOK:       pinOK,
	}
	setProcs(1)
	go func() {
		t := time.NewTicker(governorPeriod)
		for now := range t.C {
			g.step(now)
		}
	}()
}

// singleP is whether Go code runs on one P (GOMAXPROCS 1), as the
// governor set it or the environment fixed it. It is false until
// StartGovernor runs (tests and benchmarks of the server package).
var singleP atomic.Bool

// setProcs sets GOMAXPROCS and singleP.
func setProcs(n int) int {
	prev := runtime.GOMAXPROCS(n)
	singleP.Store(n == 1)
	return prev
}

// processCPU is the CPU time the process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ticks is busy and total CPU time, in clock ticks.
type ticks struct{ busy, total uint64 }

// since is the busy share of the time between t0 and t.
func (t ticks) since(t0 ticks) float64 {
	if t.total <= t0.total {
		return 0
	}
	return float64(t.busy-t0.busy) / float64(t.total-t0.total)
}

// cpuStat is the machine's CPU time: all CPUs together, and each by number.
type cpuStat struct {
	all  ticks
	cpus []ticks
}

// machineTicks reads the machine's CPU time from /proc/stat.
func machineTicks() (cpuStat, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuStat{}, false
	}
	var st cpuStat
	first := true
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		if len(f) < 5 || !bytes.HasPrefix(f[0], []byte("cpu")) {
			break // the cpu lines come first
		}
		t, ok := parseTicks(f[1:])
		if !ok {
			return cpuStat{}, false
		}
		if first {
			if string(f[0]) != "cpu" {
				return cpuStat{}, false
			}
			st.all, first = t, false
			continue
		}
		n, err := strconv.Atoi(string(f[0][3:]))
		if err != nil || n < 0 || n >= 1024 {
			continue
		}
		for len(st.cpus) <= n {
			st.cpus = append(st.cpus, ticks{})
		}
		st.cpus[n] = t
	}
	return st, !first
}

// parseTicks adds up one /proc/stat cpu line's fields: user nice system
// idle iowait irq softirq steal (guest time is already counted in user).
func parseTicks(f [][]byte) (ticks, bool) {
	var t ticks
	for i, v := range f {
		if i >= 8 {
			break
		}
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return ticks{}, false
		}
		t.total += n
		if i != 3 && i != 4 {
			t.busy += n
		}
	}
	return t, true
}
