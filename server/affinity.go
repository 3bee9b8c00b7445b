package server

import (
	"os"
	"strconv"
	"strings"

	"github.com/ember-kv/ember/persistence/aof"
	"golang.org/x/sys/unix"
)

// CPU affinity: which cores Ember's threads may run on.
//
// Go gives no handle on its threads, so the whole process is pinned: every
// thread listed in /proc/self/task gets the mask, and threads started
// later inherit it from the thread that starts them. A thread started
// between the listing and the call keeps the old mask until the next pass,
// which is why the governor re-applies its choice at every sample.

// parseCPUList reads a CPU list as Redis's server_cpulist and taskset take
// it: comma-separated numbers and ranges, a range optionally with a stride
// ("0,2,3", "0,2-3", "0-20:2"). ok is false for anything else, which Redis
// ignores (the affinity is left as it was).
func parseCPUList(s string) (cpus []int, ok bool) {
	if s == "" {
		return nil, false
	}
	seen := map[int]bool{}
	for part := range strings.SplitSeq(s, ",") {
		rng, stride, hasStride := strings.Cut(part, ":")
		lo, hi, isRange := strings.Cut(rng, "-")
		a, okA := cpuNumber(lo)
		b, step := a, 1
		okB, okS := true, true
		if isRange {
			b, okB = cpuNumber(hi)
			if hasStride {
				step, okS = cpuNumber(stride)
			}
		} else if hasStride {
			return nil, false
		}
		if !okA || !okB || !okS || step == 0 || a > b {
			return nil, false
		}
		for c := a; c <= b; c += step {
			if !seen[c] {
				seen[c] = true
				cpus = append(cpus, c)
			}
		}
	}
	return cpus, true
}

// cpuNumber parses one CPU number: decimal digits only, within what a
// CPU mask can hold.
func cpuNumber(s string) (int, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n >= 1024 {
		return 0, false
	}
	return n, true
}

// allowedCPUs is the set of CPUs the process may run on now.
func allowedCPUs() []int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) != nil {
		return nil
	}
	var cpus []int
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// pinProcess restricts every thread of the process to cpus. A thread that
// an unpinned thread starts while a pass runs escapes that pass, so passes
// repeat until one finds every thread pinned already (a few at most: once
// all are pinned, new threads inherit the mask).
func pinProcess(cpus []int) error {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	for range 10 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			// No per-thread listing: the calling thread, and those it starts.
			return unix.SchedSetaffinity(0, &set)
		}
		changed := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			var cur unix.CPUSet
			if unix.SchedGetaffinity(tid, &cur) == nil && cur == set {
				continue
			}
			// A thread that has exited meanwhile answers ESRCH: nothing to do.
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				return err
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return nil
}

// ApplyServerCPUList pins the process to the server_cpulist directive's
// CPUs, as Redis pins its main thread (and so the threads it starts). An
// empty list changes nothing; a malformed one is ignored, as in Redis,
// with a warning.
func (s *Server) ApplyServerCPUList() {
	list := s.cfg.MustGet("server_cpulist")
	if list == "" {
		return
	}
	cpus, ok := parseCPUList(list)
	if !ok {
		s.log.Warnf("server_cpulist '%s' is not a CPU list: the CPU affinity is left as it was", list)
		return
	}
	if err := pinProcess(cpus); err != nil {
		s.log.Warnf("Failed to set the CPU affinity to server_cpulist '%s': %v", list, err)
	}
}

// PinnableCPU says whether the processor governor may pin Ember to one CPU
// now: not while every write waits for an fsync (see governor.place).
func (s *Server) PinnableCPU() bool {
	return s.aof.log.Load() == nil || s.aof.policy.Load() != aof.FsyncAlways
}
