package server

import (
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
		ncpu:        2,
		cur:         1,
		setProcs:    func(n int) int { set = append(set, n); return 0 },
		readOwn:     func() time.Duration { return own },
		readMachine: func() (uint64, uint64, bool) { return busy, total, true },
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
	busy, total, ok := machineTicks()
	if !ok {
		t.Skip("no /proc/stat on this system: the governor stays off")
	}
	if total == 0 || busy > total {
		t.Fatalf("busy %d of total %d", busy, total)
	}
	if processCPU() <= 0 {
		t.Fatal("no CPU time for this process")
	}
}
