package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// threadCPULists reads the Cpus_allowed_list of every thread of p, skipping
// the test where /proc does not show it.
func threadCPULists(t *testing.T, p *proc) []string {
	t.Helper()
	dirs, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", p.pid()))
	if err != nil || len(dirs) == 0 {
		t.Skipf("no /proc/<pid>/task: %v", err)
	}
	var lists []string
	for _, f := range dirs {
		if v, ok := cpusAllowedIn(f); ok { // not ok: the thread exited meanwhile
			lists = append(lists, v)
		}
	}
	if len(lists) == 0 {
		t.Skip("no Cpus_allowed_list in /proc")
	}
	return lists
}

// cpusAllowedIn reads the Cpus_allowed_list line of a /proc status file.
func cpusAllowedIn(status string) (string, bool) {
	b, err := os.ReadFile(status)
	if err != nil {
		return "", false
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// ownCPUs is the CPUs this test process may run on.
func ownCPUs(t *testing.T) []int {
	t.Helper()
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Skipf("no CPU affinity here: %v", err)
	}
	var cpus []int
	for c := range 1024 {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// every reports whether every list is want.
func every(lists []string, want string) bool {
	return !slices.ContainsFunc(lists, func(s string) bool { return s != want })
}

// server_cpulist pins every thread of the server, including those the Go
// runtime starts while it serves, as Redis pins its main thread.
func TestAffinity_ServerCPUList(t *testing.T) {
	governorOff(t) // only server_cpulist can pin the process
	cpus := ownCPUs(t)
	cpu := cpus[len(cpus)-1]
	p := startEmber(t, "--server_cpulist", fmt.Sprint(cpu))
	c := dialRaw(t, p.Addr)
	for i := range 200 {
		if _, err := c.Do("SET", fmt.Sprint("k", i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := c.Do("CONFIG", "GET", "server_cpulist"); r != fmt.Sprintf("*2\r\n$14\r\nserver_cpulist\r\n$%d\r\n%d\r\n", len(fmt.Sprint(cpu)), cpu) {
		t.Fatalf("CONFIG GET server_cpulist: %q", r)
	}
	want := fmt.Sprint(cpu)
	waitFor(t, "every thread on CPU "+want, func() bool { return every(threadCPULists(t, p), want) })
	if strings.Contains(p.Log(), "server_cpulist") {
		t.Fatalf("a valid list was warned about:\n%s", p.Log())
	}
}

// A malformed list leaves the affinity alone (Redis ignores it) and says so
// in the log.
func TestAffinity_ServerCPUListMalformed(t *testing.T) {
	governorOff(t)
	before := threadCPUListsOfSelf(t)
	p := startEmber(t, "--server_cpulist", "0-x")
	if r, _ := dialRaw(t, p.Addr).Do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
	if lists := threadCPULists(t, p); !every(lists, before) {
		t.Fatalf("thread CPU lists %v, want all %q", lists, before)
	}
	waitLog(t, p, "server_cpulist '0-x' is not a CPU list")
}

// governorOff turns the processor governor off in the servers the test
// starts (it is off when GOMAXPROCS is set), so that it does not pin them.
func governorOff(t *testing.T) {
	if os.Getenv("GOMAXPROCS") == "" {
		t.Setenv("GOMAXPROCS", fmt.Sprint(runtime.NumCPU()))
	}
}

// threadCPUListsOfSelf is this process's own Cpus_allowed_list.
func threadCPUListsOfSelf(t *testing.T) string {
	v, ok := cpusAllowedIn("/proc/self/status")
	if !ok {
		t.Skip("no Cpus_allowed_list in /proc/self/status")
	}
	return v
}

// On one P the governor pins the whole process to a single CPU it may use.
func TestAffinity_GovernorPinsOneCPU(t *testing.T) {
	cpus := ownCPUs(t)
	if os.Getenv("GOMAXPROCS") != "" || runtime.NumCPU() < 2 || len(cpus) < 2 {
		t.Skip("the governor is off (GOMAXPROCS set or fewer than 2 CPUs)")
	}
	p := startEmber(t)
	var lists []string
	waitFor(t, "every thread pinned to one CPU", func() bool {
		lists = threadCPULists(t, p)
		return every(lists, lists[0]) && !strings.ContainsAny(lists[0], ",-")
	})
	var cpu int
	if _, err := fmt.Sscan(lists[0], &cpu); err != nil || !slices.Contains(cpus, cpu) {
		t.Fatalf("pinned to %q, not one of the allowed %v", lists[0], cpus)
	}
}

// With appendfsync always the governor leaves the process unpinned (the
// server waits on the disk and the client would take its core); switching
// to everysec at run time lets it pin.
func TestAffinity_GovernorLeavesAppendfsyncAlwaysUnpinned(t *testing.T) {
	cpus := ownCPUs(t)
	if os.Getenv("GOMAXPROCS") != "" || runtime.NumCPU() < 2 || len(cpus) < 2 {
		t.Skip("the governor is off (GOMAXPROCS set or fewer than 2 CPUs)")
	}
	all := threadCPUListsOfSelf(t)
	p := startEmber(t, "--appendonly", "yes", "--appendfsync", "always")
	c := dialRaw(t, p.Addr)
	// The governor samples every 200 ms and pins after its second sample.
	time.Sleep(time.Second)
	if lists := threadCPULists(t, p); !every(lists, all) {
		t.Fatalf("thread CPU lists %v under appendfsync always, want all %q", lists, all)
	}
	if r, _ := c.Do("CONFIG", "SET", "appendfsync", "everysec"); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET appendfsync: %q", r)
	}
	waitFor(t, "every thread pinned to one CPU", func() bool {
		lists := threadCPULists(t, p)
		return every(lists, lists[0]) && !strings.ContainsAny(lists[0], ",-")
	})
}
