package server

import (
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestProcTarget(t *testing.T) {
	for _, tc := range []struct {
		own, others float64
		ncpu, want  int
	}{
		{0.1, 0, 8, 1},   // light load: one P
		{0.45, 0, 2, 1},  // still under half a core
		{0.9, 0, 2, 2},   // busy, the other core idle
		{0.9, 1.0, 2, 1}, // busy, the other core taken (a client beside it)
		{1.9, 0.1, 2, 2},
		{3.5, 0.2, 8, 8},
		{3.5, 4.0, 8, 4},
		{1.0, 7.9, 8, 1},
	} {
		if got := procTarget(tc.own, tc.others, tc.ncpu); got != tc.want {
			t.Errorf("procTarget(own %.2f, others %.2f, %d cpus) = %d, want %d", tc.own, tc.others, tc.ncpu, got, tc.want)
		}
	}
}

// The governor changes the number of Ps only after the same target three
// samples in a row, from CPU time it measures itself.
func TestGovernorStep(t *testing.T) {
	var own time.Duration
	var busy, total uint64
	var set []int
	g := &governor{
		ncpu:     2,
		cur:      1,
		setProcs: func(n int) int { set = append(set, n); return 0 },
		readOwn:  func() time.Duration { return own },
		readMachine: func() (cpuStat, bool) {
			return cpuStat{all: ticks{busy, total}}, true
		},
	}
	now := time.Unix(1000, 0)
	tick := func(ownCores, machineCores float64) int {
		now = now.Add(200 * time.Millisecond)
		own += time.Duration(ownCores * float64(200*time.Millisecond))
		// 100 ticks per second per core: 40 ticks per sample on 2 cores.
		busy += uint64(machineCores * 20)
		total += 40
		return g.step(now)
	}
	tick(0, 0) // first sample: a baseline only
	for i := range 2 {
		if got := tick(0.95, 0.95); got != 1 {
			t.Fatalf("sample %d: %d Ps before three busy samples", i, got)
		}
	}
	if got := tick(0.95, 0.95); got != 2 {
		t.Fatalf("busy with an idle core: %d Ps, want 2", got)
	}
	// Another process takes the second core: back to one P.
	tick(1.0, 2.0)
	tick(1.0, 2.0)
	if got := tick(1.0, 2.0); got != 1 {
		t.Fatalf("other core busy: %d Ps, want 1", got)
	}
	// A single busy sample among idle ones changes nothing.
	tick(0.95, 0.95)
	tick(0.1, 0.1)
	if got := tick(0.95, 0.95); got != 1 {
		t.Fatalf("after a burst: %d Ps, want 1", got)
	}
	if len(set) != 2 || set[0] != 2 || set[1] != 1 {
		t.Fatalf("GOMAXPROCS set to %v, want [2 1]", set)
	}
}

func TestMachineTicks(t *testing.T) {
	st, ok := machineTicks()
	if !ok {
		t.Skip("no /proc/stat on this system: the governor stays off")
	}
	if st.all.total == 0 || st.all.busy > st.all.total {
		t.Fatalf("busy %d of total %d", st.all.busy, st.all.total)
	}
	var sum uint64
	for _, c := range st.cpus {
		sum += c.total
	}
	if len(st.cpus) < runtime.NumCPU() || sum == 0 {
		t.Fatalf("%d CPUs with %d ticks in all, want %d CPUs", len(st.cpus), sum, runtime.NumCPU())
	}
	if processCPU() <= 0 {
		t.Fatal("no CPU time for this process")
	}
}

// placementRig drives a governor's placement on a fake two-CPU machine:
// each sample gives every CPU's busy share and Ember's own load.
type placementRig struct {
	g      *governor
	own    time.Duration
	st     cpuStat
	now    time.Time
	pins   [][]int
	heads  bool
	tosses int
}

func newPlacementRig() *placementRig {
	r := &placementRig{now: time.Unix(1000, 0), st: cpuStat{cpus: make([]ticks, 2)}}
	r.g = &governor{
		ncpu:        2,
		cur:         1,
		setProcs:    func(int) int { return 0 },
		readOwn:     func() time.Duration { return r.own },
		readMachine: func() (cpuStat, bool) { return r.copyStat(), true },
		allowed:     []int{0, 1},
		pinned:      -1,
		pin:         func(cpus []int) error { r.pins = append(r.pins, slices.Clone(cpus)); return nil },
		coin:        func() bool { r.tosses++; return r.heads },
	}
	return r
}

func (r *placementRig) copyStat() cpuStat {
	c := r.st
	c.cpus = slices.Clone(r.st.cpus)
	return c
}

// tick advances 200 ms in which Ember used ownCores and CPU i was busy
// shares[i] of the time.
func (r *placementRig) tick(ownCores float64, shares ...float64) {
	r.now = r.now.Add(governorPeriod)
	r.own += time.Duration(ownCores * float64(governorPeriod))
	for i, sh := range shares {
		r.st.cpus[i].busy += uint64(sh * 20)
		r.st.cpus[i].total += 20
		r.st.all.busy += uint64(sh * 20)
		r.st.all.total += 20
	}
	r.g.step(r.now)
}

func (r *placementRig) lastPin() []int {
	if len(r.pins) == 0 {
		return nil
	}
	return r.pins[len(r.pins)-1]
}

// On one P the process is pinned to the least busy CPU, and the pin is
// applied again at every sample (for threads started since).
func TestGovernorPinsToLeastBusyCPU(t *testing.T) {
	r := newPlacementRig()
	r.tick(0.1, 0.9, 0.1) // baseline
	if len(r.pins) != 0 {
		t.Fatalf("pinned before a first interval: %v", r.pins)
	}
	r.tick(0.1, 0.9, 0.1)
	if !slices.Equal(r.lastPin(), []int{1}) || r.g.pinned != 1 {
		t.Fatalf("pinned to %v (governor says %d), want [1]: CPU 0 is the busy one", r.lastPin(), r.g.pinned)
	}
	// CPU 1 busier than 0 now, but not crowded: Ember stays.
	r.tick(0.1, 0.2, 0.6)
	if !slices.Equal(r.lastPin(), []int{1}) || len(r.pins) != 2 {
		t.Fatalf("pins %v, want [1] re-applied once more", r.pins)
	}
}

// A saturated CPU beside an idle one makes Ember move, but only after
// governorStable samples and a coin toss.
func TestGovernorMovesOffACrowdedCPU(t *testing.T) {
	r := newPlacementRig()
	r.tick(0.1, 0.1, 0.5)
	r.tick(0.1, 0.1, 0.5) // pinned to 0
	r.heads = false
	for range governorStable {
		r.tick(0.5, 1.0, 0.1)
	}
	if r.g.pinned != 0 || r.tosses != 1 {
		t.Fatalf("pinned to %d after %d tosses, want 0 after one toss that said stay", r.g.pinned, r.tosses)
	}
	r.heads = true
	r.tick(0.5, 1.0, 0.1)
	if r.g.pinned != 1 || !slices.Equal(r.lastPin(), []int{1}) {
		t.Fatalf("pinned to %d (last pin %v), want a move to 1", r.g.pinned, r.lastPin())
	}
	// One crowded sample among calm ones does not count toward a move.
	r.tick(0.5, 0.1, 1.0)
	r.tick(0.5, 0.1, 0.5)
	r.tick(0.5, 0.1, 1.0)
	r.tick(0.5, 0.1, 1.0)
	if r.g.pinned != 1 {
		t.Fatalf("moved to %d after an interrupted run of crowded samples", r.g.pinned)
	}
}

// On more than one P the process may run on every allowed CPU again.
func TestGovernorUnpinsOnMorePs(t *testing.T) {
	r := newPlacementRig()
	r.tick(0.1, 0.1, 0.1)
	r.tick(0.1, 0.1, 0.1)
	if r.g.pinned < 0 {
		t.Fatal("not pinned on one P")
	}
	for range governorStable {
		r.tick(1.0, 1.0, 0.1) // busy, the other core idle: two Ps
	}
	if r.g.cur != 2 || r.g.pinned != -1 || !slices.Equal(r.lastPin(), []int{0, 1}) {
		t.Fatalf("%d Ps, pinned %d, last pin %v: want 2 Ps on [0 1]", r.g.cur, r.g.pinned, r.lastPin())
	}
	n := len(r.pins)
	r.tick(1.0, 1.0, 0.9)
	if len(r.pins) != n {
		t.Fatalf("pinned again on two Ps: %v", r.pins[n:])
	}
}

// A CPU /proc/stat does not report (offline) is never chosen.
func TestGovernorSkipsUnreportedCPUs(t *testing.T) {
	r := newPlacementRig()
	r.g.allowed = []int{0, 1, 5}
	r.tick(0.1, 0.6, 0.3)
	r.tick(0.1, 0.6, 0.3)
	if r.g.pinned != 1 {
		t.Fatalf("pinned to %d, want 1", r.g.pinned)
	}
}

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int // nil: not a list
	}{
		{"0", []int{0}},
		{"0,2,3", []int{0, 2, 3}},
		{"0,2-3", []int{0, 2, 3}},
		{"0-6:2", []int{0, 2, 4, 6}},
		{"1-1", []int{1}},
		{"3,1,3", []int{3, 1}},
		{"", nil},
		{"a", nil},
		{"1,", nil},
		{",1", nil},
		{"3-1", nil},
		{"0-4:0", nil},
		{"1:2", nil},
		{"0-3x", nil},
		{"0, 1", nil},
		{"-1", nil},
		{"+1", nil},
		{"5000", nil},
	} {
		got, ok := parseCPUList(tc.in)
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("parseCPUList(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

// While pinOK says no (every write waits for an fsync), the process is not
// pinned, and a pin in force is lifted.
func TestGovernorPinOK(t *testing.T) {
	r := newPlacementRig()
	ok := true
	r.g.pinOK = func() bool { return ok }
	r.tick(0.1, 0.1, 0.5)
	r.tick(0.1, 0.1, 0.5)
	if r.g.pinned != 0 {
		t.Fatalf("pinned to %d, want 0", r.g.pinned)
	}
	ok = false
	r.tick(0.1, 0.1, 0.5)
	if r.g.pinned != -1 || !slices.Equal(r.lastPin(), []int{0, 1}) {
		t.Fatalf("pinned %d, last pin %v: want unpinned to [0 1]", r.g.pinned, r.lastPin())
	}
	n := len(r.pins)
	r.tick(0.1, 0.1, 0.5)
	if len(r.pins) != n {
		t.Fatalf("pinned while pinOK says no: %v", r.pins[n:])
	}
	ok = true
	r.tick(0.1, 0.1, 0.5)
	if r.g.pinned != 0 {
		t.Fatalf("pinned to %d once allowed again, want 0", r.g.pinned)
	}
}

// setProcs keeps singleP, which decides whether a connection yields before
// writing, in step with GOMAXPROCS.
func TestSetProcsTracksSingleP(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	defer setProcs(prev)
	setProcs(1)
	if !singleP.Load() || runtime.GOMAXPROCS(0) != 1 {
		t.Fatalf("after setProcs(1): singleP %v, GOMAXPROCS %d", singleP.Load(), runtime.GOMAXPROCS(0))
	}
	setProcs(2)
	if singleP.Load() || runtime.GOMAXPROCS(0) != 2 {
		t.Fatalf("after setProcs(2): singleP %v, GOMAXPROCS %d", singleP.Load(), runtime.GOMAXPROCS(0))
	}
}

// Where the affinity cannot be set, the governor stops trying after the
// first refusal (instead of listing threads and failing every 200 ms).
func TestGovernorGivesUpPinningWhenRefused(t *testing.T) {
	r := newPlacementRig()
	calls := 0
	r.g.pin = func(cpus []int) error {
		calls++
		r.pins = append(r.pins, slices.Clone(cpus))
		if len(cpus) == 1 {
			return errors.New("operation not permitted")
		}
		return nil
	}
	r.tick(0.1, 0.1, 0.5)
	r.tick(0.1, 0.1, 0.5)
	if r.g.pinned != -1 || r.g.pin != nil || !slices.Equal(r.lastPin(), []int{0, 1}) {
		t.Fatalf("pinned %d, pin func kept %v, last pin %v: want unpinned, pinning off, mask restored", r.g.pinned, r.g.pin != nil, r.lastPin())
	}
	n := calls
	for range 5 {
		r.tick(0.1, 0.1, 0.5)
	}
	if calls != n {
		t.Fatalf("%d more pin attempts after a refusal", calls-n)
	}
}

// A process allowed on fewer CPUs than the machine has (server_cpulist,
// a cpuset) gets no more Ps than those CPUs, however idle the machine.
func TestGovernorProcsCappedByAllowedCPUs(t *testing.T) {
	r := newPlacementRig()
	r.g.allowed = []int{1}
	for range governorStable + 1 {
		r.tick(1.0, 0.05, 0.95) // busy, and the machine has an idle core
	}
	if r.g.cur != 1 {
		t.Fatalf("%d Ps with one CPU allowed", r.g.cur)
	}
	r.g.allowed = []int{0, 1}
	for range governorStable {
		r.tick(1.0, 0.05, 0.95)
	}
	if r.g.cur != 2 {
		t.Fatalf("%d Ps with two CPUs allowed and one idle, want 2", r.g.cur)
	}
}
