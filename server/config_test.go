package server

import (
	"os"
	"sort"
	"strings"
	"testing"
)

func TestParseCommandLine(t *testing.T) {
	cases := []struct {
		argv  []string
		file  string
		stdin bool
		text  string
	}{
		{[]string{"--port", "7000"}, "", false, "port \"7000\" "},
		{[]string{"/etc/r.conf", "--port", "7000", "--save", ""}, "/etc/r.conf", false, "port \"7000\" \nsave \"\" "},
		{[]string{"--save", "--port", "1"}, "", false, "save \"\"\nport \"1\" "},
		{[]string{"--save"}, "", false, "save \"\""},
		{[]string{"--port 7000"}, "", false, "port 7000 "},
		{[]string{"--save", "100", "100", "--port", "1"}, "", false, "save \"100\" \"100\" \nport \"1\" "},
		{[]string{"-", "--port", "1"}, "", true, "port \"1\" "},
		{[]string{"/r.conf", "--port", "1", "-"}, "/r.conf", true, "port \"1\" "},
		{[]string{"--port", "1", "-", "x"}, "", false, "port \"1\" \"-\" \"x\" "},
		{[]string{"--maxmemory", "--1mb"}, "", false, "maxmemory \"--1mb\" "},
		{[]string{"--sentinel", "--port", "1"}, "", false, "sentinel \nport \"1\" "},
		{[]string{"-x", "--port", "1"}, "", false, "\"-x\" \nport \"1\" "},
	}
	for _, tc := range cases {
		f, stdin, text := ParseCommandLine(tc.argv)
		if f != tc.file || stdin != tc.stdin || text != tc.text {
			t.Errorf("ParseCommandLine(%q) = %q, %v, %q; want %q, %v, %q", tc.argv, f, stdin, text, tc.file, tc.stdin, tc.text)
		}
	}
}

func TestConfig_LoadString_Errors(t *testing.T) {
	cases := []struct {
		text string
		line int
		msg  string
	}{
		{"port 1\nfoo bar", 2, "Bad directive or wrong number of arguments"},
		{"port", 1, "wrong number of arguments"},
		{"port 1 2", 1, "wrong number of arguments"},
		{"port 70000", 1, "argument must be between 0 and 65535 inclusive"},
		{"port abc", 1, "argument couldn't be parsed into an integer"},
		{"maxmemory 1x", 1, "argument must be a memory value"},
		{"appendonly maybe", 1, "argument must be 'yes' or 'no'"},
		{"loglevel loud", 1, "argument(s) must be one of the following: debug, verbose, notice, warning"},
		{"save 10", 1, "Invalid save parameters"},
		{`dbfilename "a/b"`, 1, "dbfilename can't be a path, just a filename"},
		{`port "1`, 1, "Unbalanced quotes in configuration line"},
		{"unixsocketperm 999", 1, "argument couldn't be parsed as an octal number"},
		{"unixsocketperm 1777", 1, "argument must be between 0 and 777 inclusive"},
		{"maxclients 0", 1, "argument must be between 1 and 4294967295 inclusive"},
		{"maxmemory-clients 200%", 1, "percentage argument must be less or equal to 100"},
		{"client-output-buffer-limit master 1 1 1", 1, "Invalid client class specified in buffer limit configuration."},
		{"notify-keyspace-events Q", 1, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{"rename-command nosuchcmd foo", 1, "No such command in rename-command"},
		{"shutdown-on-sigint save nosave", 1, "shutdown options SAVE and NOSAVE can't be used simultaneously"},
	}
	for _, tc := range cases {
		cfg := NewConfig()
		err := cfg.LoadString(tc.text)
		ce, ok := err.(*ConfigError)
		if !ok {
			t.Errorf("%q: got %v, want a ConfigError", tc.text, err)
			continue
		}
		if ce.Line != tc.line || ce.Msg != tc.msg {
			t.Errorf("%q: line %d %q; want line %d %q", tc.text, ce.Line, ce.Msg, tc.line, tc.msg)
		}
	}
}

func TestConfig_LoadString_Values(t *testing.T) {
	cases := []struct{ text, name, want string }{
		{"maxmemory 1gb", "maxmemory", "1073741824"},
		{"maxmemory 1G", "maxmemory", "1000000000"},
		{"MAXMEMORY 2kb", "maxmemory", "2048"},
		{"hash-max-ziplist-entries 7", "hash-max-listpack-entries", "7"},
		{"save 900 1\nsave 300 10", "save", "900 1 300 10"},
		{"save 900 1\nsave \"\"\nsave 5 5", "save", "5 5"},
		{"save \"100 10 200 20\"", "save", "100 10 200 20"},
		{"appendonly YES", "appendonly", "yes"},
		{"oom-score-adj relative", "oom-score-adj", "yes"},
		{"notify-keyspace-events KEA", "notify-keyspace-events", "AKE"},
		{"notify-keyspace-events Exg", "notify-keyspace-events", "gxE"},
		{"client-output-buffer-limit replica 1mb 2mb 3", "client-output-buffer-limit", "normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60"},
		{"shutdown-on-sigterm now save", "shutdown-on-sigterm", "save now"},
		{"latency-tracking-info-percentiles 50.0 99.90", "latency-tracking-info-percentiles", "50 99.9"},
		{"maxmemory-clients 10%", "maxmemory-clients", "10%"},
		{"unixsocketperm 700", "unixsocketperm", "700"},
		{"list-max-ziplist-entries 5", "list-max-listpack-size", "-2"}, // deprecated, ignored
		{"bind 1.2.3.4 -::1", "bind", "1.2.3.4 -::1"},
		{"replicaof no one", "replicaof", ""},
	}
	for _, tc := range cases {
		cfg := NewConfig()
		if err := cfg.LoadString(tc.text); err != nil {
			t.Errorf("%q: %v", tc.text, err)
			continue
		}
		if got := cfg.MustGet(tc.name); got != tc.want {
			t.Errorf("%q: %s = %q, want %q", tc.text, tc.name, got, tc.want)
		}
	}
}

func TestConfig_Set(t *testing.T) {
	cases := []struct {
		pairs [][2]string
		err   string
	}{
		{[][2]string{{"maxmemory", "10mb"}}, ""},
		{[][2]string{{"nosuch", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{[][2]string{{"daemonize", "yes"}, {"nosuch", "1"}}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[][2]string{{"nosuch", "1"}, {"daemonize", "yes"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{[][2]string{{"dir", "/tmp"}}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[][2]string{{"maxmemory", "1"}, {"MAXMEMORY", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate parameter"},
		{[][2]string{{"maxmemory", "1"}, {"hz", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"},
		{[][2]string{{"HASH-MAX-ZIPLIST-ENTRIES", "-1"}}, "ERR CONFIG SET failed (possibly related to argument 'hash-max-ziplist-entries') - argument must be between 0 and 9223372036854775807 inclusive"},
		{[][2]string{{"maxmemory", "-1"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"save", "100  10"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
	}
	for _, tc := range cases {
		cfg := NewConfig()
		err := cfg.Set(tc.pairs, false)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("Set(%q) = %q, want %q", tc.pairs, got, tc.err)
		}
	}
	// A failing pair leaves every value as it was.
	cfg := NewConfig()
	if err := cfg.Set([][2]string{{"maxmemory", "5mb"}, {"timeout", "9"}, {"hz", "bad"}}, false); err == nil {
		t.Fatal("want an error")
	}
	if cfg.MustGet("maxmemory") != "0" || cfg.MustGet("timeout") != "0" {
		t.Errorf("not rolled back: maxmemory=%s timeout=%s", cfg.MustGet("maxmemory"), cfg.MustGet("timeout"))
	}
}

func TestConfig_Match(t *testing.T) {
	cfg := NewConfig()
	got := cfg.Match([]string{"MAXMEMORY", "maxmemory", "hash-max-*", "rdb-key-save-delay", "*delay*"})
	names := map[string]bool{}
	for _, kv := range got {
		if names[kv[0]] {
			t.Errorf("%s reported twice", kv[0])
		}
		names[kv[0]] = true
	}
	for _, want := range []string{"MAXMEMORY", "hash-max-listpack-entries", "hash-max-ziplist-entries", "hash-max-listpack-value", "hash-max-ziplist-value", "rdb-key-save-delay", "repl-diskless-sync-delay"} {
		if !names[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	if names["maxmemory"] || names["key-load-delay"] {
		t.Errorf("unexpected names in %v", got)
	}
}

func TestConfig_Rewrite(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/r.conf"
	orig := "# hello\nport 7002\nsave 100 1\nsave 200 2\nmaxmemory 1mb\n\n\n# tail comment\nhash-max-ziplist-entries 100\nlogfile \"\"\n"
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := NewConfig()
	if err := cfg.LoadFile(path, false, "dir "+quoteRepr(dir)); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"maxmemory", "2mb"}, {"maxmemory-policy", "allkeys-lru"}, {"notify-keyspace-events", "KEA"}, {"save", "300 3"}, {"client-output-buffer-limit", "pubsub 1mb 2mb 3"}, {"hash-max-listpack-entries", "300"}} {
		if err := cfg.Set([][2]string{kv}, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := cfg.Rewrite(false); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := "# hello\nport 7002\nsave 300 3\n\nmaxmemory 2mb\n\n# tail comment\nhash-max-listpack-entries 300\nlogfile \"\"\n\n" +
		"# Generated by CONFIG REWRITE\n" +
		"maxmemory-policy allkeys-lru\n" +
		"client-output-buffer-limit pubsub 1mb 2mb 3\n" +
		"notify-keyspace-events \"AKE\"\n" +
		"dir " + quoteRepr(dir) + "\n" +
		"latency-tracking-info-percentiles 50 99 99.9\n" +
		"user default on nopass ~* &* +@all\n"
	// Appended lines follow the parameter table's order: compare as sets.
	if sortedLines(string(data)) != sortedLines(want) || !strings.HasPrefix(string(data), want[:strings.Index(want, "# Generated")]) {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", data, want)
	}
	// The file loads back to the same values.
	cfg2 := NewConfig()
	if err := cfg2.LoadFile(path, false, ""); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"maxmemory", "save", "hash-max-listpack-entries", "client-output-buffer-limit", "notify-keyspace-events"} {
		if cfg2.MustGet(n) != cfg.MustGet(n) {
			t.Errorf("%s: reloaded %q, want %q", n, cfg2.MustGet(n), cfg.MustGet(n))
		}
	}
}

func sortedLines(s string) string {
	l := strings.Split(s, "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func TestConfig_DefaultsRoundTrip(t *testing.T) {
	// Every parameter's default must parse as its own value.
	cfg := NewConfig()
	for _, p := range cfg.params {
		argv := []string{p.value}
		if p.flags&flagMultiArg != 0 {
			argv = splitSpaces(p.value)
		}
		if p.typ == typSpecial && p.name == "save" && p.value == "" {
			continue
		}
		if _, _, e := cfg.parse(p, argv); e != "" && !(p.emptyNull && p.value == "") {
			t.Errorf("%s: default %q does not parse: %s", p.name, p.value, e)
		}
	}
}

func TestMemToULL(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"1k", 1000, true}, {"1KB", 1024, true}, {"3mb", 3 << 20, true},
		{"2g", 2e9, true}, {"1gb", 1 << 30, true}, {"10b", 10, true}, {"kb", 0, true},
		{"-1", 0, false}, {"1x", 0, false}, {"1.5mb", 0, false}, {"+1", 0, false},
		{"99999999999999999999", 1<<64 - 1, true},
	}
	for _, tc := range cases {
		got, ok := memToULL(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("memToULL(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
