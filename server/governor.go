package server

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
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
	lastBusy    uint64 // machine busy time, in clock ticks
	lastTotal   uint64
	lastAt      time.Time
	setProcs    func(int) int
	readOwn     func() time.Duration
	readMachine func() (busy, total uint64, ok bool)
}

// step takes one sample at now and returns the number of Ps in force.
func (g *governor) step(now time.Time) int {
	own := g.readOwn()
	busy, total, ok := g.readMachine()
	if !ok || g.lastAt.IsZero() || total <= g.lastTotal {
		g.lastOwn, g.lastBusy, g.lastTotal, g.lastAt = own, busy, total, now
		return g.cur
	}
	wall := now.Sub(g.lastAt).Seconds()
	ownCores := (own - g.lastOwn).Seconds() / wall
	// The machine's busy share of all its cores, over the same interval.
	machineCores := float64(busy-g.lastBusy) / float64(total-g.lastTotal) * float64(g.ncpu)
	g.lastOwn, g.lastBusy, g.lastTotal, g.lastAt = own, busy, total, now
	target := procTarget(ownCores, max(0, machineCores-ownCores), g.ncpu)
	if target != g.pending {
		g.pending, g.seen = target, 0
	}
	g.seen++
	if target != g.cur && g.seen >= governorStable {
		g.cur = target
		g.setProcs(target)
	}
	return g.cur
}

// StartGovernor runs the governor for the life of the process, where it
// can read the machine's load (Linux) and the user did not fix GOMAXPROCS.
func StartGovernor() {
	if os.Getenv("GOMAXPROCS") != "" || runtime.NumCPU() < 2 {
		return
	}
	if _, _, ok := machineTicks(); !ok {
		return
	}
	g := &governor{
		ncpu:        runtime.NumCPU(),
		cur:         1,
		setProcs:    runtime.GOMAXPROCS,
		readOwn:     processCPU,
		readMachine: machineTicks,
	}
	runtime.GOMAXPROCS(1)
	go func() {
		t := time.NewTicker(governorPeriod)
		for now := range t.C {
			g.step(now)
		}
	}()
}

// processCPU is the CPU time the process has used (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineTicks reads the machine's busy and total CPU time from /proc/stat.
func machineTicks() (busy, total uint64, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return 0, 0, false
	}
	// user nice system idle iowait irq softirq steal ...
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i >= 8 { // guest time is already counted in user
			break
		}
		total += n
		if i != 3 && i != 4 {
			busy += n
		}
	}
	return busy, total, true
}
