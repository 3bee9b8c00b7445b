package server

import (
	"bytes"
	"crypto/tls"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func newTestACL(t *testing.T) *aclState {
	t.Helper()
	table, err := NewTable(commandFamilies()...)
	if err != nil {
		t.Fatal(err)
	}
	a := &aclState{}
	a.init(table)
	return a
}

func ops(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

func TestACL_SetUserErrors(t *testing.T) {
	a := newTestACL(t)
	for _, tc := range []struct{ rules, err string }{
		{"on >p ~k +get", ""},
		{"bogus", "Error in ACL SETUSER modifier 'bogus': Syntax error"},
		{"+nosuch", "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"},
		{"+@nosuch", "Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL"},
		{"+config|get|x", "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported"},
		{"+select|", "Error in ACL SETUSER modifier '+select|': Syntax error"},
		{"~* ~x", "Error in ACL SETUSER modifier '~x': " + string(errACLKeyAfterAll)},
		{"&* &x", "Error in ACL SETUSER modifier '&x': " + string(errACLChanAfterAll)},
		{"#abc", "Error in ACL SETUSER modifier '#abc': " + string(errACLBadHash)},
		{"<nope", "Error in ACL SETUSER modifier '<nope': " + string(errACLNoPass)},
		{"%", "Error in ACL SETUSER modifier '%': Syntax error"},
		{"%RR~x", "Error in ACL SETUSER modifier '%RR~x': Syntax error"},
		{"(~x", "Unmatched parenthesis in acl selector starting at '(~x'."},
		{"(~x +nosuch)", "Error in ACL SETUSER modifier '(~x +nosuch)': Unknown command or category name in ACL"},
	} {
		if got := a.setUser("u", ops(tc.rules)); got != tc.err {
			t.Errorf("%q: %q, want %q", tc.rules, got, tc.err)
		}
	}
	// Failed rule sets changed nothing.
	if d := a.describeUser(a.users["u"].get()); d != "on #148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940 ~k resetchannels -@all +get" {
		t.Errorf("after failed rule sets: %q", d)
	}
}

func TestACL_Describe(t *testing.T) {
	a := newTestACL(t)
	for _, tc := range []struct{ rules, want string }{
		{"", "off resetchannels -@all"},
		{"on nopass ~* &* +@all", "on nopass ~* &* +@all"},
		{"+@all -@dangerous", "off resetchannels +@all -@dangerous"},
		{"-@all +@string -get", "off resetchannels -@all +@string -get"},
		{"%R~a %W~b %RW~c %R~c", "off %R~a %W~b ~c resetchannels -@all"},
		{"&x &y* +select|0 +select|1", "off resetchannels &x &y* -@all +select|0 +select|1"},
		{"+@all -config +config|get", "off resetchannels +@all -config +config|get"},
		{"(+get ~x) (&c)", "off resetchannels -@all (~x resetchannels -@all +get) (resetchannels &c -@all)"},
		{"reset", "off sanitize-payload resetchannels -@all"},
		{"skip-sanitize-payload", "off skip-sanitize-payload resetchannels -@all"},
	} {
		a.mu.Lock()
		delete(a.users, "d")
		a.mu.Unlock()
		if msg := a.setUser("d", ops(tc.rules)); msg != "" {
			t.Fatalf("%q: %s", tc.rules, msg)
		}
		if got := a.describeUser(a.users["d"].get()); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.rules, got, tc.want)
		}
	}
}

// Describing a selector and applying the description to a new user gives
// the same permissions (random rule sets, seeded).
func TestACL_DescribeRoundTrip(t *testing.T) {
	a := newTestACL(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var names []string
	for _, ac := range a.u.all {
		names = append(names, ac.name)
	}
	cats := append([]string{"all"}, CategoryNames...)
	for iter := 0; iter < 300; iter++ {
		var rules []string
		for n := rng.IntN(12); n >= 0; n-- {
			sign := "+"
			if rng.IntN(2) == 0 {
				sign = "-"
			}
			switch rng.IntN(4) {
			case 0:
				rules = append(rules, sign+"@"+cats[rng.IntN(len(cats))])
			case 1, 2:
				rules = append(rules, sign+names[rng.IntN(len(names))])
			case 3:
				rules = append(rules, "+select|"+string(rune('0'+rng.IntN(3))))
			}
		}
		a.mu.Lock()
		delete(a.users, "p")
		delete(a.users, "q")
		a.mu.Unlock()
		if msg := a.setUser("p", ops(strings.Join(rules, " "))); msg != "" {
			t.Fatalf("%v: %s", rules, msg)
		}
		p := a.users["p"].get().selectors[0]
		desc := a.describeCommands(p)
		if msg := a.setUser("q", ops(desc)); msg != "" {
			t.Fatalf("description %q: %s", desc, msg)
		}
		q := a.users["q"].get().selectors[0]
		if !reflect.DeepEqual(p.bits, q.bits) || p.future != q.future || !sameFirstArgs(p, q) {
			t.Fatalf("rules %v described as %q do not round-trip", rules, desc)
		}
		if again := a.describeCommands(q); again != desc {
			t.Fatalf("rules %v: description %q, then %q", rules, desc, again)
		}
	}
}

// sameFirstArgs compares the first-arg rules that matter: those of
// commands the selector does not allow outright.
func sameFirstArgs(p, q *aclSelector) bool {
	for _, pair := range [][2]*aclSelector{{p, q}, {q, p}} {
		for id, v := range pair[0].firstArgs {
			if !pair[0].bit(id) && !reflect.DeepEqual(v, pair[1].firstArgs[id]) {
				return false
			}
		}
	}
	return true
}

func TestACL_MergeSelectorArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  int
	}{
		{"on (~a +get) off", []string{"on", "(~a +get)", "off"}, -1},
		{"(~a +get )", []string{"(~a +get )"}, -1},
		{"( ~a +get )", []string{"( ~a +get )"}, -1},
		{"x (", nil, 1},
		{"(~a b c", nil, 0},
	} {
		var in [][]byte
		for _, f := range strings.Split(tc.in, " ") {
			in = append(in, []byte(f))
		}
		got, bad := mergeSelectorArgs(in)
		var gs []string
		for _, g := range got {
			gs = append(gs, string(g))
		}
		if bad != tc.bad || !reflect.DeepEqual(gs, tc.want) {
			t.Errorf("%q: %q %d, want %q %d", tc.in, gs, bad, tc.want, tc.bad)
		}
	}
}

func TestACL_Credentials(t *testing.T) {
	a := newTestACL(t)
	a.setUser("u", ops("on >one >two"))
	a.setUser("off", ops("off >pw"))
	a.setUser("free", ops("on nopass"))
	for _, tc := range []struct {
		user, pass string
		ok         bool
	}{
		{"u", "one", true}, {"u", "two", true}, {"u", "three", false}, {"u", "", false},
		{"off", "pw", false}, {"free", "anything", true}, {"nosuch", "x", false},
		{"default", "", true},
	} {
		if got := a.checkCredentials([]byte(tc.user), []byte(tc.pass)) != nil; got != tc.ok {
			t.Errorf("%s/%s: %v", tc.user, tc.pass, got)
		}
	}
	// Passwords are kept as hashes only.
	for _, p := range a.users["u"].get().passwords {
		if p == "one" || p == "two" || len(p) != 64 {
			t.Errorf("stored password %q", p)
		}
	}
	a.setDefaultPassword("pw")
	if a.checkCredentials([]byte("default"), []byte("x")) != nil || a.checkCredentials([]byte("default"), []byte("pw")) == nil {
		t.Error("requirepass not applied to the default user")
	}
	a.setDefaultPassword("")
	if a.defaultUser.get().flags&userNoPass == 0 {
		t.Error("empty requirepass does not make the default user nopass")
	}
}

func TestACL_KeyExtraction(t *testing.T) {
	a := newTestACL(t)
	for _, tc := range []struct {
		cmd  string
		want []keyRef
	}{
		{"get k", []keyRef{{1, ksRo | ksAccess}}},
		{"set k v", []keyRef{{1, ksOw | ksUpdate}}},
		{"set k v GET", []keyRef{{1, ksRw | ksAccess | ksUpdate}}},
		{"mset a 1 b 2", []keyRef{{1, ksOw | ksUpdate}, {3, ksOw | ksUpdate}}},
		{"bitfield k get u4 0", []keyRef{{1, ksRo | ksAccess}}},
		{"bitfield k get u4 0 set u4 0 1", []keyRef{{1, ksRw | ksAccess | ksUpdate}}},
		{"sort k by x store d limit 0 1", []keyRef{{1, ksRo | ksAccess}, {5, ksOw | ksUpdate}}},
		{"zunionstore d 2 a b weights 1 2", []keyRef{{1, ksOw | ksUpdate}, {3, ksRo | ksAccess}, {4, ksRo | ksAccess}}},
		{"zunionstore d 5 a b", nil},
		{"eval s 2 a b c", []keyRef{{3, ksRw | ksAccess | ksUpdate}, {4, ksRw | ksAccess | ksUpdate}}},
		{"eval s x a", nil},
		{"migrate h p \"\" 0 1 keys a b", []keyRef{{7, ksRw | ksAccess | ksDelete}, {8, ksRw | ksAccess | ksDelete}}},
		{"xread count 1 streams a b 0 0", []keyRef{{4, ksRo | ksAccess}, {5, ksRo | ksAccess}}},
		{"georadius k 0 0 1 m store d", []keyRef{{1, ksRo | ksAccess}, {7, ksOw | ksUpdate}}},
	} {
		args := bytes.Fields([]byte(tc.cmd))
		for i, a := range args {
			if string(a) == `""` {
				args[i] = nil
			}
		}
		ac := a.u.lookup(string(args[0]))
		got := ac.extractKeys(args, nil)
		if len(got) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.cmd, got, tc.want)
		}
	}
}

func TestACL_LogMerging(t *testing.T) {
	a := newTestACL(t)
	add := func(obj string, ms int64) {
		a.addLog(&aclLogEntry{count: 1, reason: aclDeniedCmd, object: obj, username: "u", ctime: ms}, 3)
	}
	add("get", 1000)
	add("set", 2000)
	add("get", 3000) // merged with the first: moved to the front
	if len(a.log) != 2 || a.log[0].object != "get" || a.log[0].count != 2 || a.log[0].ctime != 3000 {
		t.Fatalf("after merge: %+v %+v", a.log[0], a.log[1])
	}
	add("get", 3000+61000) // too late to merge
	add("del", 70000)
	add("incr", 70000)
	if len(a.log) != 3 || a.log[0].object != "incr" || a.log[2].object != "get" {
		t.Fatalf("trimmed log: %v", len(a.log))
	}
}

func TestACL_ChannelChecks(t *testing.T) {
	a := newTestACL(t)
	a.setUser("u", ops("resetchannels &news.* &exact (&other)"))
	r := a.users["u"].get()
	for _, tc := range []struct {
		ch      string
		pattern bool
		ok      bool
	}{
		{"news.1", false, true}, {"exact", false, true}, {"other", false, true}, {"nope", false, false},
		{"news.*", true, true}, {"news.1", true, false}, {"n*", true, false},
	} {
		if got := r.checkChannel([]byte(tc.ch), tc.pattern); got != tc.ok {
			t.Errorf("%s (pattern %v): %v", tc.ch, tc.pattern, got)
		}
	}
}

func TestParseTLSProtocols(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		bad  bool
	}{{"", 2, false}, {"TLSv1.2", 1, false}, {"tlsv1 TLSv1.1 TLSv1.2 TLSv1.3", 4, false}, {"TLSv1.2  TLSv1.3", 0, true}, {"SSLv3", 0, true}} {
		got, err := parseTLSProtocols(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && len(got) != tc.want) {
			t.Errorf("%q: %v %v", tc.in, got, err)
		}
	}
	if _, err := parseTLSCiphers("ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"); err != nil {
		t.Error(err)
	}
	if l, err := parseTLSCiphers("DEFAULT:-ECDHE-RSA-AES128-GCM-SHA256:!aNULL"); err != nil || len(l) == 0 {
		t.Errorf("DEFAULT minus one: %v %v", l, err)
	} else {
		for _, id := range l {
			if id == tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 {
				t.Error("removed cipher still listed")
			}
		}
	}
	if _, err := parseTLSCiphers("NOSUCH:-DEFAULT"); err == nil {
		t.Error("a list without any cipher accepted")
	}
}
