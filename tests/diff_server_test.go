package tests

import (
	"strings"
	"testing"
)

// Differential cases for CONFIG, CLIENT and the server commands. The shared
// servers run without a config file and with "--save ”"; cases that change
// a parameter set it back.
var serverCases = []diffCase{
	{"config get exact", "CONFIG GET maxmemory", "CONFIG GET MAXMEMORY", "CONFIG GET maxmemory MAXMEMORY", "CONFIG GET nosuchparam", "CONFIG GET save", "CONFIG GET appendonly"},
	{"config get aliases", "CONFIG GET hash-max-ziplist-entries", "CONFIG GET hash-max-listpack-entries", "CONFIG GET slave-read-only", "CONFIG GET lua-time-limit", "CONFIG GET list-max-ziplist-size"},
	{"config get defaults", "CONFIG GET client-output-buffer-limit", "CONFIG GET oom-score-adj-values", "CONFIG GET latency-tracking-info-percentiles", "CONFIG GET notify-keyspace-events", "CONFIG GET unixsocketperm", "CONFIG GET tls-port", "CONFIG GET proc-title-template", "CONFIG GET maxmemory-clients", "CONFIG GET shutdown-on-sigterm", "CONFIG GET replicaof", "CONFIG GET syslog-facility"},
	{"config get default values 7.0", "CONFIG GET hash-max-listpack-entries", "CONFIG GET set-max-intset-entries", "CONFIG GET zset-max-listpack-entries", "CONFIG GET proto-max-bulk-len", "CONFIG GET client-query-buffer-limit", "CONFIG GET databases", "CONFIG GET hz", "CONFIG GET maxclients"},
	{"config get hidden", "CONFIG GET rdb-key-save-delay", "CONFIG GET key-load-delay", "~CONFIG GET *-delay"},
	{"config get globs", "~CONFIG GET hash-max-*", "~CONFIG GET maxmemory*", "~CONFIG GET *max*entries*", "~CONFIG GET zset-max-* set-max-*", "~CONFIG GET [a-b]ind", "CONFIG GET nosuch*"},
	{"config get arity", "CONFIG GET", "CONFIG", "CONFIG FOO", "CONFIG HELP", "CONFIG HELP x", "CONFIG RESETSTAT x", "CONFIG REWRITE x"},
	{"config set memory", "CONFIG SET maxmemory 1mb", "CONFIG GET maxmemory", "CONFIG SET maxmemory 2MB", "CONFIG GET maxmemory", "CONFIG SET maxmemory 1k", "CONFIG GET maxmemory", "CONFIG SET maxmemory 0", "CONFIG GET maxmemory"},
	{"config set errors", "CONFIG SET maxmemory -1", "CONFIG SET maxmemory 1x", "CONFIG SET maxclients -1", "CONFIG SET maxclients 0", "CONFIG SET hz abc", "CONFIG SET hz 007", "CONFIG SET proto-max-bulk-len 100", "CONFIG SET proto-max-bulk-len 18446744073709551615", "CONFIG SET list-max-listpack-size 9999999999"},
	{"config set bool and enum", "CONFIG SET appendonly maybe", "CONFIG SET maxmemory-policy lru", "CONFIG SET loglevel nothing", "CONFIG SET acl-pubsub-default x", "CONFIG SET shutdown-on-sigint save nosave", "CONFIG SET shutdown-on-sigint \"save nosave\"", "CONFIG SET shutdown-on-sigint \"\""},
	{"config set enum round trip", "CONFIG SET oom-score-adj relative", "CONFIG GET oom-score-adj", "CONFIG SET oom-score-adj no", "CONFIG SET shutdown-on-sigint \"now save\"", "CONFIG GET shutdown-on-sigint", "CONFIG SET shutdown-on-sigint default", "CONFIG SET maxmemory-policy ALLKEYS-LRU", "CONFIG GET maxmemory-policy", "CONFIG SET maxmemory-policy noeviction"},
	{"config set unknown immutable protected", "CONFIG SET nosuch 1", "CONFIG SET daemonize yes", "CONFIG SET databases 4", "CONFIG SET dir /tmp", "CONFIG SET dbfilename x.rdb", "CONFIG SET unixsocket /tmp/x", "CONFIG SET enable-debug-command yes"},
	{"config set several", "CONFIG SET maxmemory 1 maxmemory 2", "CONFIG SET maxmemory 1 nosuch 2", "CONFIG SET daemonize yes nosuch 2", "CONFIG SET nosuch 2 daemonize yes", "CONFIG SET maxmemory 5 hz bad", "CONFIG GET maxmemory", "CONFIG SET maxmemory", "CONFIG SET maxmemory 1 2", "CONFIG SET timeout 0 maxmemory 0"},
	{"config set special", "CONFIG SET save \"100 x\"", "CONFIG SET save \"100  10\"", "CONFIG SET save 5", "CONFIG SET save \"10 1 20 2\"", "CONFIG GET save", "CONFIG SET save \"\"", "CONFIG GET save",
		"CONFIG SET client-output-buffer-limit \"master 1 1 1\"", "CONFIG SET client-output-buffer-limit \"normal 1 1\"", "CONFIG SET client-output-buffer-limit \"normal 1x 1 1\"",
		"CONFIG SET client-output-buffer-limit \"normal 1mb 2mb 3\"", "CONFIG GET client-output-buffer-limit", "CONFIG SET client-output-buffer-limit \"normal 0 0 0\"",
		"CONFIG SET oom-score-adj-values \"1 2\"", "CONFIG SET oom-score-adj-values \"1 2 3000\"",
		"CONFIG SET notify-keyspace-events KEA", "CONFIG GET notify-keyspace-events", "CONFIG SET notify-keyspace-events Q", "CONFIG SET notify-keyspace-events \"\"",
		"CONFIG SET latency-tracking-info-percentiles \"50 99.0 99.90\"", "CONFIG GET latency-tracking-info-percentiles", "CONFIG SET latency-tracking-info-percentiles \"50 a\"", "CONFIG SET latency-tracking-info-percentiles 101", "CONFIG SET latency-tracking-info-percentiles \"50 99 99.9\""},
	{"config set percent", "CONFIG SET maxmemory-clients 10%", "CONFIG GET maxmemory-clients", "CONFIG SET maxmemory-clients 200%", "CONFIG SET maxmemory-clients -5%", "CONFIG SET maxmemory-clients x", "CONFIG SET maxmemory-clients 0"},
	{"config set strings", "CONFIG SET proc-title-template \"{foo}\"", "CONFIG SET proc-title-template \"\"", "CONFIG SET cluster-announce-hostname \"a b\"", "CONFIG SET ignore-warnings x", "CONFIG GET ignore-warnings", "CONFIG SET ignore-warnings \"\""},
	{"config resp3", "!HELLO 3", "CONFIG GET maxmemory", "CONFIG GET nosuch", "~CONFIG GET hash-max-listpack-*"},
	{"config rewrite without file", "CONFIG REWRITE"},
	{"client simple", "!CLIENT ID", "CLIENT GETNAME", "CLIENT SETNAME foo", "CLIENT GETNAME", "CLIENT SETNAME \"a b\"", "CLIENT SETNAME \"a\nb\"", "CLIENT GETNAME", "CLIENT SETNAME \"\"", "CLIENT GETNAME", "CLIENT GETREDIR"},
	{"client arity", "CLIENT", "CLIENT ID x", "CLIENT GETNAME x", "CLIENT SETNAME", "CLIENT KILL", "CLIENT REPLY", "CLIENT FOO", "CLIENT SETINFO lib-name go-redis", "CLIENT SETINFO lib-ver 9.0", "CLIENT HELP"},
	{"client list errors", "CLIENT LIST TYPE foo", "CLIENT LIST ID abc", "CLIENT LIST x", "CLIENT LIST ID 99999999", "CLIENT LIST TYPE master", "CLIENT LIST TYPE replica", "CLIENT LIST TYPE pubsub"},
	{"client kill errors", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID 0", "CLIENT KILL ID -1", "CLIENT KILL ID abc", "CLIENT KILL ID 10 wrong", "CLIENT KILL TYPE x", "CLIENT KILL USER nobody", "CLIENT KILL SKIPME maybe", "CLIENT KILL ID 99999999", "CLIENT KILL ADDR 1.2.3.4:5 SKIPME no", "CLIENT KILL LADDR 1.2.3.4:5", "CLIENT KILL MAXAGE 10"},
	{"client misc errors", "CLIENT REPLY maybe", "CLIENT NO-EVICT maybe", "CLIENT NO-EVICT on", "CLIENT NO-EVICT off", "CLIENT UNBLOCK 1 foo", "CLIENT UNBLOCK x", "CLIENT UNBLOCK 99999999", "CLIENT UNBLOCK 99999999 ERROR", "CLIENT UNBLOCK 1 2 3"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"client options end at nul", `CLIENT NO-EVICT "on\x00x"`, `CLIENT NO-EVICT "onx"`, `CLIENT NO-EVICT "off\x00"`, `CLIENT UNBLOCK 99999999 "error\x00"`,
		`CLIENT UNBLOCK 99999999 "errorx"`, `CLIENT KILL "type\x00" "pubsub\x00x" "skipme\x00" "yes\x00"`, `CLIENT KILL "typex" pubsub`, `CLIENT KILL "id\x00" 99999999`,
		`CLIENT KILL TYPE "pub\x00sub"`, `CLIENT LIST "type\x00" "pubsub\x00"`, `CLIENT LIST "id\x00" 99999999`, `CLIENT LIST "idx" 99999999`, `CLIENT REPLY "on\x00"`, `CLIENT REPLY "onx"`},
	{"hello options end at nul", `!HELLO 2 "setname\x00" abc`, "CLIENT GETNAME", `!HELLO 2 "setname\x00x" def "auth\x00" default nopass`, "CLIENT GETNAME",
		`HELLO 2 "setnamex" abc`, `HELLO 2 "a\x00b"`, `HELLO 2 "a\r\nb"`},
	{"client reply on", "CLIENT REPLY ON", "PING"},
	{"time role lastsave", "!TIME", "TIME x", "ROLE", "ROLE x", "!LASTSAVE", "LASTSAVE x"},
	{"shutdown errors", "SHUTDOWN FOO", "SHUTDOWN ABORT", "SHUTDOWN SAVE NOSAVE", "SHUTDOWN ABORT NOW", "SHUTDOWN NOSAVE ABORT"},
	{"shutdown and info options end at nul", `SHUTDOWN "abort\x00x"`, `SHUTDOWN "abortx"`, `INFO "cluster\x00x"`, `INFO "clusterx"`, `INFO "cluster\x00" modules`},
	{"debug disabled", "DEBUG", "DEBUG SLEEP 0", "DEBUG HELP", "DEBUG FOO"},
	{"info fixed sections", "INFO cluster", "INFO modules", "INFO nosuchsection", "INFO CLUSTER nosuch", "!HELLO 3", "INFO cluster", "CLIENT GETNAME", "CLIENT LIST TYPE foo"},
	{"errorstats", "CONFIG RESETSTAT", "INFO errorstats", "NOSUCHCOMMAND", "CONFIG SET hz x", "GET", "INFO errorstats", "CONFIG RESETSTAT", "INFO errorstats"},
}

func TestDiffServer(t *testing.T) { runDiff(t, serverCases) }

// TestDiffClientReplySkip checks CLIENT REPLY OFF/SKIP, whose commands send
// no reply, by pipelining and comparing everything that comes back.
func TestDiffClientReplySkip(t *testing.T) {
	ember, redis := sharedServers(t)
	script := [][]string{
		{"CLIENT", "REPLY", "SKIP"}, {"PING", "a"}, {"PING", "b"},
		{"CLIENT", "REPLY", "OFF"}, {"PING", "c"}, {"CLIENT", "REPLY", "SKIP"}, {"PING", "d"},
		{"CLIENT", "REPLY", "ON"}, {"PING", "e"},
	}
	read := func(addr string) string {
		c := dialRaw(t, addr)
		var req []byte
		for _, cmd := range script {
			req = append(req, encode(cmd...)...)
		}
		if err := c.Send(req); err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := 0; i < 3; i++ {
			r, err := c.ReadReply()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return strings.Join(out, "")
	}
	if got, want := read(ember.Addr), read(redis.Addr); got != want {
		t.Errorf("ember %q, redis %q", got, want)
	}
}

// infoFields parses an INFO reply into section -> field -> value.
func infoFields(t *testing.T, raw string) map[string]map[string]string {
	t.Helper()
	// Strip the bulk header: "$N\r\n...\r\n".
	if i := strings.Index(raw, "\r\n"); i >= 0 && raw[0] == '$' {
		raw = raw[i+2:]
	}
	out := map[string]map[string]string{}
	sec := ""
	for _, line := range strings.Split(raw, "\r\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			sec = strings.ToLower(line[2:])
			out[sec] = map[string]string{}
		case line == "":
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok || sec == "" {
				t.Errorf("malformed INFO line %q", line)
				continue
			}
			out[sec][k] = v
		}
	}
	return out
}

// TestDiffInfoFields checks that every field Redis prints in the main INFO
// sections is in Ember's output and the other way round, and the shape of
// the values that must match exactly.
func TestDiffInfoFields(t *testing.T) {
	ember, redis := sharedServers(t)
	get := func(addr string) map[string]map[string]string {
		c := dialRaw(t, addr)
		for _, cmd := range [][]string{{"SELECT", "9"}, {"SET", "infokey", "v", "EX", "1000"}, {"SET", "infokey2", "v"}} {
			if _, err := c.Do(cmd...); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := c.Do("INFO", "everything")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Do("DEL", "infokey", "infokey2"); err != nil {
			t.Fatal(err)
		}
		return infoFields(t, raw)
	}
	e, r := get(ember.Addr), get(redis.Addr)
	// Fields Redis prints only in some states (a second field of the same
	// mechanism) or that only Ember prints: none today.
	extras := map[string]bool{}
	for _, sec := range []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace", "errorstats", "cluster", "modules", "commandstats", "latencystats"} {
		if _, ok := r[sec]; !ok {
			t.Errorf("redis has no section %q", sec)
			continue
		}
		if _, ok := e[sec]; !ok {
			t.Errorf("ember has no section %q", sec)
			continue
		}
		if sec == "errorstats" || sec == "commandstats" || sec == "latencystats" || sec == "keyspace" {
			continue // contents depend on what ran before (keyspace: db9 below)
		}
		for k := range r[sec] {
			if _, ok := e[sec][k]; !ok {
				t.Errorf("INFO %s: ember lacks %s (redis: %s)", sec, k, r[sec][k])
			}
		}
		for k := range e[sec] {
			if _, ok := r[sec][k]; !ok && !extras[k] {
				t.Errorf("INFO %s: ember has %s, which redis does not print", sec, k)
			}
		}
	}
	same := []struct{ sec, field string }{
		{"server", "redis_version"}, {"server", "redis_mode"}, {"server", "arch_bits"}, {"server", "os"},
		{"server", "hz"}, {"server", "configured_hz"}, {"server", "config_file"}, {"server", "io_threads_active"},
		{"clients", "maxclients"}, {"memory", "maxmemory"}, {"memory", "maxmemory_human"}, {"memory", "maxmemory_policy"},
		{"persistence", "loading"}, {"persistence", "rdb_bgsave_in_progress"}, {"persistence", "rdb_last_bgsave_status"},
		{"persistence", "aof_enabled"}, {"replication", "role"}, {"replication", "connected_slaves"},
		{"replication", "master_replid2"}, {"replication", "repl_backlog_size"}, {"cluster", "cluster_enabled"},
	}
	for _, f := range same {
		if e[f.sec][f.field] != r[f.sec][f.field] {
			t.Errorf("INFO %s %s: ember %q, redis %q", f.sec, f.field, e[f.sec][f.field], r[f.sec][f.field])
		}
	}
	if !strings.HasPrefix(e["keyspace"]["db9"], "keys=2,expires=1,avg_ttl=") {
		t.Errorf("INFO keyspace db9: %q", e["keyspace"]["db9"])
	}
	for _, f := range []string{"used_memory", "used_memory_rss", "used_memory_peak"} {
		if v := e["memory"][f]; v == "" || v == "0" {
			t.Errorf("INFO memory %s = %q, want a positive number", f, v)
		}
	}
	for _, f := range []string{"used_cpu_sys", "used_cpu_user"} {
		v := e["cpu"][f]
		if i := strings.IndexByte(v, '.'); i < 1 || len(v)-i != 7 {
			t.Errorf("INFO cpu %s = %q, want seconds with 6 decimals", f, v)
		}
	}
}

// TestInfoSections checks the section selectors: no argument and
// "default" print the default sections, "all" adds commandstats and
// latencystats, "everything" the same here (no modules), names select one
// each regardless of case, and sections are separated by one blank line.
func TestInfoSections(t *testing.T) {
	ember, _ := sharedServers(t)
	c := dialRaw(t, ember.Addr)
	headers := func(args ...string) []string {
		raw, err := c.Do(append([]string{"INFO"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(raw, "\r\n") {
			if strings.HasPrefix(l, "# ") {
				out = append(out, l[2:])
			}
		}
		if strings.Contains(raw, "\r\n\r\n\r\n") || strings.Contains(raw, "\n\n") {
			t.Errorf("INFO %v: bad separators in %q", args, raw)
		}
		return out
	}
	def := "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"
	all := "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, def}, {[]string{"default"}, def}, {[]string{"all"}, all}, {[]string{"everything"}, all},
		{[]string{"CPU", "server"}, "Server CPU"}, {[]string{"modules"}, "Modules"}, {[]string{"module_list"}, "Modules"},
		{[]string{"commandstats"}, "Commandstats"}, {[]string{"nosuch"}, ""}, {[]string{"all", "default"}, all},
	} {
		if got := strings.Join(headers(tc.args...), " "); got != tc.want {
			t.Errorf("INFO %v: sections %q, want %q", tc.args, got, tc.want)
		}
	}
}
