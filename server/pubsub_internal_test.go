package server

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// orderedSet against a slice model, with random operations.
func TestOrderedSet_Model(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s orderedSet
	var model []string
	for i := 0; i < 5000; i++ {
		v := string(rune('a' + rng.IntN(20)))
		if rng.IntN(2) == 0 {
			added := s.add(v)
			if want := !slices.Contains(model, v); added != want {
				t.Fatalf("step %d: add(%q) = %v, want %v", i, v, added, want)
			}
			if added {
				model = append(model, v)
			}
		} else {
			removed := s.remove(v)
			j := slices.Index(model, v)
			if removed != (j >= 0) {
				t.Fatalf("step %d: remove(%q) = %v", i, v, removed)
			}
			if j >= 0 {
				model = slices.Delete(model, j, j+1)
			}
		}
		if !slices.Equal(s.list, model) || s.len() != len(model) {
			t.Fatalf("step %d: %v, model %v", i, s.list, model)
		}
		for k, v := range s.list {
			if s.idx[v] != k || !s.has(v) {
				t.Fatalf("step %d: index of %q is %d, want %d", i, v, s.idx[v], k)
			}
		}
	}
}

func TestAppendRepr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"set", `"set"`},
		{"a b", `"a b"`},
		{"\"\\", `"\"\\"`},
		{"\r\n\t\a\b", `"\r\n\t\a\b"`},
		{"\x00\x7f\xff", `"\x00\x7f\xff"`},
		{"", `""`},
	} {
		if got := string(appendRepr(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("appendRepr(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestRedactedArgs(t *testing.T) {
	cmd := func(name string) *Command {
		c := &Command{FullName: name}
		return c
	}
	for _, tc := range []struct {
		name string
		args string
		want uint64
	}{
		{"auth", "auth pw", 1 << 1},
		{"auth", "auth user pw", 1<<1 | 1<<2},
		{"auth", "auth a b c", 0},
		{"hello", "hello 3 AUTH u p SETNAME n", 1<<3 | 1<<4},
		{"hello", "hello 3 SETNAME n AUTH u p", 1<<5 | 1<<6},
		{"hello", "hello 3 FOO AUTH u p", 0},
		{"hello", "hello 3 AUTH u", 0},
		{"config|set", "config set requirepass x maxmemory 1 masterauth y", 1<<3 | 1<<7},
		{"acl|setuser", "acl setuser u on >p", 1<<2 | 1<<3 | 1<<4},
		{"get", "get k", 0},
	} {
		var args [][]byte
		for _, f := range strings.Fields(tc.args) {
			args = append(args, []byte(f))
		}
		if got := redactedArgs(cmd(tc.name), args); got != tc.want {
			t.Errorf("%s: %b, want %b", tc.args, got, tc.want)
		}
	}
}

func TestPendingReplyUsage(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{0, 0}, {16 * 1024, 0}, {16*1024 + 1, replyBlockSize}, {16*1024 + replyBlockSize, replyBlockSize}, {16*1024 + replyBlockSize + 1, 2 * replyBlockSize},
	} {
		if got := pendingReplyUsage(tc.n); got != tc.want {
			t.Errorf("pendingReplyUsage(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

// The soft limit needs the usage to stay over it for more than its
// seconds, counted in whole seconds as Redis's clock; the hard limit acts
// at once; dropping under the soft limit restarts the count.
func TestOverOutputLimit(t *testing.T) {
	s := &Server{}
	l := [3]obufLimit{{}, {}, {hard: 1000, soft: 100, secs: 2}}
	s.intro.obuf.Store(&l)
	c := &Client{srv: s}
	c.subs.nsub.Store(1) // pubsub class
	t0 := time.Unix(1000, 500)
	steps := []struct {
		used int64
		at   time.Duration
		want bool
	}{
		{50, 0, false},
		{150, 0, false},               // first time over the soft limit
		{150, 2 * time.Second, false}, // 2 s: not more than 2
		{50, 2500 * time.Millisecond, false},
		{150, 3 * time.Second, false}, // restarted
		{150, 5 * time.Second, false},
		{150, 6 * time.Second, true},
		{1000, 6 * time.Second, true}, // hard
	}
	for i, st := range steps {
		if got := c.overOutputLimit(st.used, t0.Add(st.at)); got != st.want {
			t.Fatalf("step %d (%d bytes at %v): %v, want %v", i, st.used, st.at, got, st.want)
		}
	}
	c2 := &Client{srv: s}
	c2.subs.nsub.Store(1)
	if !c2.overOutputLimit(1000, t0) {
		t.Fatal("hard limit not enforced at once")
	}
	c3 := &Client{srv: s} // normal class: no limits
	if c3.overOutputLimit(1<<40, t0) {
		t.Fatal("normal class limited")
	}
}

// LATENCY GRAPH as redis-server 7.0.15 renders three samples of 300, 150
// and 200 ms taken 2, 1 and 0 seconds ago.
func TestLatencyGraph_MatchesRedis(t *testing.T) {
	var ts latencySeries
	now := int64(1700000000)
	for i, l := range []int64{300, 150, 200} {
		ts.samples[i] = latencySample{time: now - 2 + int64(i), latency: l}
	}
	ts.idx, ts.max = 3, 300
	want := "command - high 300 ms, low 150 ms (all time high 300 ms)\n" +
		strings.Repeat("-", 80) + "\n" +
		"#  \n" +
		"|  \n" +
		"| o\n" +
		"|_|\n" +
		"   \n" +
		"210\n" +
		"sss\n"
	if got := latencyGraph("command", &ts, now); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// The keyspace event classes map to distinct notify-keyspace-events bits,
// and the string form round-trips as Redis prints it.
func TestKeyspaceEventFlags(t *testing.T) {
	seen := map[int]bool{}
	for _, c := range []eventClass{evGeneric, evString, evList, evSet, evHash, evZSet, evExpired, evEvicted, evStream, evKeyMiss, evNew} {
		f := classFlag(c)
		if f == 0 || seen[f] {
			t.Errorf("class %q: flag %d", c, f)
		}
		seen[f] = true
		if got, ok := KeyspaceEventFlags(string(c)); !ok || got != f {
			t.Errorf("class %q parses to %d, want %d", c, got, f)
		}
	}
	for in, want := range map[string]string{"KEA": "AKE", "Exg": "gxE", "KEAn": "AKE", "mK": "Km", "g$lshzxetdnKEm": "AKEm", "$lshzxetdnKEm": "$lshzxetdnKEm", "": ""} {
		f, ok := KeyspaceEventFlags(in)
		if !ok || keyspaceEventString(f) != want {
			t.Errorf("%q prints %q, want %q", in, keyspaceEventString(f), want)
		}
	}
}
