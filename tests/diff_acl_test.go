package tests

import (
	"sort"
	"strings"
	"testing"
)

// Differential ACL cases. ACL state is server-wide, so these run on a pair
// of servers of their own, and each case starts with every user but the
// default one deleted and an empty ACL log.
//
// Redis lists the single-command part of a rule set (+get +set ...) in the
// order of its command dictionary, which is seeded at random on every
// start; the "=" prefix compares replies with each run of such rules sorted
// (the categories before them are compared as they are).

// aclServers starts a pair of servers for one test.
func aclServers(t *testing.T) (*proc, *proc) {
	t.Helper()
	needRedis(t)
	return startEmber(t), startRedis(t)
}

// resetACL deletes every user but default and empties the log.
func resetACL(t *testing.T, c *rawConn) {
	t.Helper()
	users, _ := c.doValue(t, "ACL", "USERS").([]any)
	for _, u := range users {
		if u != "default" {
			c.doValue(t, "ACL", "DELUSER", u.(string))
		}
	}
	c.doValue(t, "ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
	c.doValue(t, "ACL", "LOG", "RESET")
	c.doValue(t, "FLUSHALL")
}

// sortCommandRules sorts each run of single-command rules in every line of
// a raw reply (lengths do not change, so RESP framing stays valid).
func sortCommandRules(raw string) string {
	lines := strings.Split(raw, "\r\n")
	for i, l := range lines {
		toks := strings.Split(l, " ")
		isRule := func(s string) bool {
			s = strings.TrimPrefix(s, "(")
			return len(s) > 1 && (s[0] == '+' || s[0] == '-') && s[1] != '@'
		}
		for j := 0; j < len(toks); {
			if !isRule(toks[j]) {
				j++
				continue
			}
			k := j
			for k < len(toks) && isRule(toks[k]) && !strings.HasSuffix(toks[k], ")") {
				k++
			}
			end := k
			closing := k < len(toks) && isRule(toks[k]) && strings.HasSuffix(toks[k], ")")
			if closing {
				toks[k] = strings.TrimSuffix(toks[k], ")")
				end = k + 1
			}
			sort.Strings(toks[j:end])
			if closing {
				toks[end-1] += ")"
			}
			j = end
		}
		lines[i] = strings.Join(toks, " ")
	}
	return strings.Join(lines, "\r\n")
}

func runACLDiff(t *testing.T, cases []diffCase) {
	t.Helper()
	ember, redis := aclServers(t)
	runACLDiffOn(t, ember, redis, cases)
}

func runACLDiffOn(t *testing.T, ember, redis *proc, cases []diffCase) {
	t.Helper()
	for _, dc := range cases {
		t.Run(dc.name(), func(t *testing.T) {
			e, r := dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
			resetACL(t, e)
			resetACL(t, r)
			for _, line := range dc.cmds() {
				mode := byte(0)
				if line != "" && strings.IndexByte("~!=", line[0]) >= 0 {
					mode, line = line[0], line[1:]
				}
				args := splitCommand(line)
				want, err := r.Do(args...)
				if err != nil {
					t.Fatalf("redis: %s: %v", line, err)
				}
				got, err := e.Do(args...)
				if err != nil {
					t.Fatalf("ember: %s: %v (redis replied %q)", line, err, want)
				}
				same := false
				if mode == '=' {
					same = sortCommandRules(got) == sortCommandRules(want)
				} else {
					same = sameReply(mode, got, want)
				}
				if !same {
					t.Errorf("%s\n  redis: %q\n  ember: %q", line, want, got)
				}
			}
		})
	}
}

func TestDiffACL_SetUserAndDescribe(t *testing.T) {
	runACLDiff(t, []diffCase{
		{"new user", "ACL SETUSER u", "ACL GETUSER u", "ACL LIST", "ACL USERS"},
		{"flags", "ACL SETUSER u on", "ACL GETUSER u", "ACL SETUSER u off ON", "ACL LIST", "ACL SETUSER u skip-sanitize-payload", "ACL LIST", "ACL SETUSER u sanitize-payload", "ACL GETUSER u"},
		{"passwords", "ACL SETUSER u >a >b >a", "ACL GETUSER u", "ACL SETUSER u <b", "ACL LIST", "ACL SETUSER u <nope", "ACL SETUSER u nopass", "ACL LIST", "ACL SETUSER u >c resetpass", "ACL LIST"},
		{"hashes", "ACL SETUSER u #2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6", "ACL LIST",
			"ACL SETUSER u !2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6", "ACL LIST",
			"ACL SETUSER u #2E7D2C03A9507AE265ECF5B5356885A53393A2029D241394997265A1A25AEFC6", "ACL SETUSER u #abc", "ACL SETUSER u !abc",
			"ACL SETUSER u !2e7d2c03a9507ae265ecf5b5356885a53393a2029d241394997265a1a25aefc6"},
		{"keys", "ACL SETUSER u ~a* ~b %R~c %W~d %RW~e %WR~f ~a*", "ACL GETUSER u", "ACL LIST",
			"ACL SETUSER u %R~b", "ACL LIST", "ACL SETUSER u allkeys", "ACL LIST", "ACL SETUSER u ~x", "ACL SETUSER u resetkeys ~y", "ACL LIST",
			"ACL SETUSER u ~*", "ACL GETUSER u", "ACL SETUSER u resetkeys %R", "ACL LIST",
			"ACL SETUSER u %", "ACL SETUSER u %RR~x", "ACL SETUSER u %X~x", "ACL SETUSER u %~x", "ACL SETUSER u \"~a b\""},
		{"channels", "ACL SETUSER u &a &b* &a", "ACL GETUSER u", "ACL LIST", "ACL SETUSER u allchannels", "ACL LIST",
			"ACL SETUSER u &c", "ACL SETUSER u resetchannels &d", "ACL LIST", "ACL SETUSER u &*", "ACL GETUSER u"},
		{"commands", "=ACL SETUSER u +get +set +lpush", "=ACL GETUSER u", "=ACL LIST", "ACL SETUSER u -get", "=ACL LIST",
			"ACL SETUSER u +@all", "ACL LIST", "ACL SETUSER u allcommands -get", "ACL LIST", "ACL SETUSER u nocommands", "ACL LIST",
			"ACL SETUSER u +nosuch", "ACL SETUSER u -nosuch", "ACL SETUSER u +@nosuch", "ACL SETUSER u +", "ACL SETUSER u -", "ACL SETUSER u +@", "ACL SETUSER u +|x"},
		{"categories", "=ACL SETUSER u -@all +@read -@string +@fast", "=ACL GETUSER u",
			"=ACL SETUSER v +@all -@dangerous -@admin +config|get", "=ACL LIST",
			"=ACL SETUSER w -@all +@hash +@set -hset +@keyspace -del", "=ACL GETUSER w",
			"=ACL SETUSER x +@all -@write +set +hset -@slow", "=ACL GETUSER x",
			"=ACL SETUSER y -@all +@STRING +@Read", "=ACL GETUSER y"},
		{"subcommands", "=ACL SETUSER u -@all +config|get +client|id +acl", "=ACL GETUSER u", "=ACL SETUSER u -acl|setuser", "=ACL LIST",
			"ACL SETUSER u +config|nosuch", "ACL SETUSER u +config|get|x", "ACL SETUSER u +config|", "=ACL SETUSER u +config", "=ACL LIST",
			"=ACL SETUSER u -config", "=ACL LIST"},
		{"first args", "=ACL SETUSER u -@all +select|0 +select|1 +select|0", "=ACL GETUSER u", "=ACL LIST", "ACL SETUSER u +select", "ACL LIST",
			"ACL SETUSER u -select +select|2 -select", "ACL LIST", "ACL SETUSER u -select|0", "ACL SETUSER u +@all", "ACL LIST"},
		{"selectors", "=ACL SETUSER u (+get ~x) (%R~y +@read -@string)", "=ACL GETUSER u", "=ACL LIST",
			"=ACL SETUSER u \"(~a\" \"+set)\"", "=ACL LIST", "ACL SETUSER u clearselectors", "ACL LIST",
			"ACL SETUSER u ()", "ACL GETUSER u", "ACL SETUSER u (", "ACL SETUSER u (~a b)", "ACL SETUSER u (~x", "ACL SETUSER u )",
			"ACL SETUSER u (this-is-invalid)", "ACL SETUSER u (&* &fail)", "ACL SETUSER u \"(~a ' b)\"", "ACL LIST"},
		{"reset", "=ACL SETUSER u on >p ~k &c +get (+set ~x)", "ACL SETUSER u reset", "ACL LIST", "ACL GETUSER u"},
		{"all or nothing", "ACL SETUSER u on +get bogus", "ACL GETUSER u", "ACL SETUSER u on", "ACL SETUSER u ~k +set badrule", "ACL LIST"},
		{"usernames", "ACL SETUSER \"a b\"", "ACL SETUSER \"a\\x00b\"", "ACL SETUSER \"\"", "ACL LIST", "ACL GETUSER nosuch"},
		{"acl-pubsub-default", "CONFIG SET acl-pubsub-default allchannels", "ACL SETUSER u", "ACL SETUSER v (+get)", "ACL LIST",
			"ACL SETUSER v reset", "ACL LIST", "CONFIG SET acl-pubsub-default resetchannels", "ACL SETUSER w", "ACL LIST"},
		{"error texts with newlines", "ACL SETUSER u \"bad\\r\\nrule\""},
		{"resp3", "!HELLO 3", "=ACL SETUSER u on >p ~k %R~r &c +get (+set ~x)", "=ACL GETUSER u", "ACL GETUSER nosuch", "ACL CAT"},
	})
}

// Every category alone, added to -@all and removed from +@all, describes
// itself (a test of the category arithmetic over Redis's whole table).
func TestDiffACL_EveryCategory(t *testing.T) {
	cats := []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog",
		"geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction", "scripting"}
	var cases []diffCase
	for i, c := range cats {
		other := cats[(i+5)%len(cats)]
		cases = append(cases, diffCase{c,
			"=ACL SETUSER a reset +@all -@" + c, "=ACL GETUSER a",
			"=ACL SETUSER r reset -@all +@" + c, "=ACL GETUSER r",
			"=ACL SETUSER m reset -@all +@" + c + " -@" + other, "=ACL GETUSER m",
			"=ACL SETUSER n reset +@all -@" + c + " +@" + other, "=ACL GETUSER n",
			"~ACL CAT " + c,
		})
	}
	runACLDiff(t, cases)
}

func TestDiffACL_Commands(t *testing.T) {
	runACLDiff(t, []diffCase{
		{"cat", "ACL CAT", "ACL CAT nosuch", "ACL CAT a b", "~ACL CAT Keyspace"},
		{"whoami", "ACL WHOAMI", "ACL WHOAMI x"},
		{"deluser", "ACL SETUSER a", "ACL SETUSER b", "ACL DELUSER a b c", "ACL DELUSER default", "ACL DELUSER x default", "ACL USERS"},
		{"genpass", "!ACL GENPASS", "!ACL GENPASS 1", "!ACL GENPASS 4096", "ACL GENPASS 0", "ACL GENPASS 4097", "ACL GENPASS x", "ACL GENPASS -1", "ACL GENPASS 1 2"},
		{"genpass length", "STRLEN x"},
		{"log args", "ACL LOG", "ACL LOG x", "ACL LOG -1", "ACL LOG 0", "ACL LOG RESET", "ACL LOG 1 2"},
		{"log reset ends at nul", `ACL LOG "reset\x00"`, `ACL LOG "reset\x00x"`, `ACL LOG "resetx"`},
		{"load and save without a file", "ACL LOAD", "ACL SAVE", "ACL LOAD x"},
		{"help and errors", "ACL HELP", "ACL", "ACL nosuch", "ACL HELP x", "ACL GETUSER", "ACL SETUSER", "ACL USERS x", "ACL LIST x"},
		{"dryrun errors", "ACL DRYRUN nosuch get k", "ACL SETUSER u", "ACL DRYRUN u nosuch k", "ACL DRYRUN u get", "ACL DRYRUN u config nosuch", "ACL DRYRUN u"},
	})
}

// DRYRUN exercises the permission check itself, including Redis commands
// Ember does not have yet (their key specs come from Redis's table).
func TestDiffACL_DryRun(t *testing.T) {
	perms := "ACL SETUSER t +@all %R~read* %W~write* %RW~rw* resetchannels &chan*"
	dry := func(cmd string) string { return "ACL DRYRUN t " + cmd }
	var cmds []string
	for _, k := range []string{"read", "write", "rw1", "nothing"} {
		for _, c := range []string{
			"GET %s", "SET %s v", "SET %s v GET", "SET %s v get", "SET %s v EX 10 GET", "APPEND %s v", "STRLEN %s", "EXISTS %s", "TYPE %s",
			"TOUCH %s", "DEL %s", "GETDEL %s", "INCR %s", "HGET %s f", "HSET %s f v", "HEXISTS %s f", "SISMEMBER %s m", "SADD %s m",
			"LPUSH %s v", "LLEN %s", "BITFIELD %s GET u4 0", "BITFIELD %s SET u4 0 1", "BITFIELD %s GET u4 0 INCRBY u4 0 1", "BITFIELD %s OVERFLOW SAT GET u4 0",
			"BITFIELD_RO %s GET u4 0", "MEMORY USAGE %s", "XLEN %s", "ZCOUNT %s 0 1", "PFCOUNT %s", "OBJECT ENCODING %s", "EXPIRE %s 10", "SORT %s",
			"SORT_RO %s", "EVAL \"\" 1 %s", "EVAL_RO \"\" 1 %s", "FCALL f 1 %s", "XREAD STREAMS %s 0", "GEOSEARCH %s FROMLONLAT 0 0 BYRADIUS 1 m",
		} {
			cmds = append(cmds, dry(strings.ReplaceAll(c, "%s", k)))
		}
	}
	cmds = append(cmds,
		dry("COPY read write"), dry("COPY write read"), dry("RENAME rw1 rw2"), dry("RENAME read write"), dry("LMOVE rw1 write LEFT RIGHT"),
		dry("LMOVE read write LEFT RIGHT"), dry("SMOVE rw1 write m"), dry("MSET write1 a write2 b"), dry("MSET write1 a read b"),
		dry("MGET read1 read2"), dry("MGET read1 write1"), dry("SINTERCARD 2 read read"), dry("SINTERCARD 2 write read"),
		dry("SINTERCARD 0 read"), dry("ZINTERCARD 2 read read"), dry("ZUNIONSTORE write 2 read read2"), dry("ZUNIONSTORE read 2 read read2"),
		dry("ZUNIONSTORE write x read"), dry("ZUNIONSTORE write 3 read"), dry("ZUNION 2 read write"), dry("BITOP AND write read1 read2"),
		dry("BITOP AND read read1 read2"), dry("SORT read STORE write"), dry("SORT read STORE read"), dry("SORT write STORE write"),
		dry("SORT read BY x STORE write LIMIT 0 1"), dry("SORT read GET store STORE write"),
		dry("EVAL \"\" 0 read"), dry("EVAL \"\" -1 read"), dry("EVAL \"\" 3 rw rw"), dry("EVAL \"\" 3 rw read"), dry("EVAL \"\" 2 rw1 nothing"),
		dry("EVAL \"\" x read"),
		dry("MIGRATE h p rw 0 500"), dry("MIGRATE h p read 0 500"), dry("MIGRATE h p \"\" 0 5000 KEYS rw"), dry("MIGRATE h p \"\" 0 5000 KEYS read"),
		dry("MIGRATE h p \"\" 0 5000 AUTH KEYS KEYS rw"), dry("MIGRATE h p \"\" 0 5000 AUTH2 KEYS 123 KEYS write"), dry("MIGRATE h p x 0 5000 KEYS read"),
		dry("GEORADIUS read 0 0 1 M STOREDIST write"), dry("GEORADIUS read1 0 0 1 M STORE read2"), dry("GEORADIUS write1 0 0 1 M STORE write2"),
		dry("GEORADIUS read 0 0 1 M STORE"), dry("XREAD COUNT 1 STREAMS read write 0 0"), dry("XREADGROUP GROUP g c STREAMS rw1 0"),
		dry("XREADGROUP GROUP g c STREAMS read 0"), dry("BLMPOP 0 2 read write LEFT"), dry("LMPOP 1 rw1 LEFT"), dry("LMPOP 1 read LEFT"),
		dry("BZMPOP 0 1 rw1 MIN"), dry("ZMPOP 1 read MIN"),
		dry("PUBLISH chan1 m"), dry("PUBLISH other m"), dry("SPUBLISH chan1 m"), dry("SPUBLISH other m"),
		dry("SUBSCRIBE chan1 chan2"), dry("SUBSCRIBE chan1 other"), dry("SSUBSCRIBE other"), dry("PSUBSCRIBE chan*"), dry("PSUBSCRIBE chan1"),
		dry("PSUBSCRIBE chan*x"), dry("UNSUBSCRIBE other"), dry("PUNSUBSCRIBE other"), dry("SUNSUBSCRIBE other"),
		dry("PING"), dry("AUTH a b"), dry("CONFIG GET x"), dry("CLIENT ID"), dry("ACL WHOAMI"),
	)
	cases := []diffCase{append(diffCase{"key and channel permissions", perms}, cmds...)}
	cases = append(cases,
		diffCase{"command permissions", "ACL SETUSER c -@all +get +config|get +select|0 +client (+set ~x) (+del ~y)",
			dry("c") + "", "ACL DRYRUN c GET k", "ACL DRYRUN c SET k v", "ACL DRYRUN c SET x v", "ACL DRYRUN c DEL x", "ACL DRYRUN c DEL y",
			"ACL DRYRUN c CONFIG GET x", "ACL DRYRUN c CONFIG SET x y", "ACL DRYRUN c SELECT 0", "ACL DRYRUN c SELECT 1", "ACL DRYRUN c select 0",
			"ACL DRYRUN c CLIENT ID", "ACL DRYRUN c CLIENT KILL x", "ACL DRYRUN c AUTH x", "ACL DRYRUN c HELLO", "ACL DRYRUN c PING", "ACL DRYRUN c XADD s * f v",
			"ACL DRYRUN c EVAL_RO \"\" 0", "ACL DRYRUN c FCALL_RO f 0"},
		diffCase{"selectors choose the relevant failure", "ACL SETUSER s on nopass +mget ~key (+mget ~key ~otherkey)",
			"ACL DRYRUN s GET key", "ACL DRYRUN s MGET otherkey someotherkey", "ACL DRYRUN s MGET key otherkey someotherkey", "ACL DRYRUN s MGET key otherkey"},
		diffCase{"read and write selectors are not additive", "ACL SETUSER n (%R~read* +@all) (%W~write* +@all)",
			"ACL DRYRUN n COPY read write", "ACL DRYRUN n GET read", "ACL DRYRUN n LPUSH write x", "ACL DRYRUN n GET write"},
		diffCase{"no_auth commands need no permission", "ACL SETUSER z -@all", "ACL DRYRUN z AUTH a b", "ACL DRYRUN z HELLO", "ACL DRYRUN z QUIT", "ACL DRYRUN z PING"},
	)
	runACLDiff(t, cases)
}

// Denials on real connections: the NOPERM texts and the ACL LOG entries
// (compared field by field: ages and client addresses differ).
func TestDiffACL_Denials(t *testing.T) {
	ember, redis := aclServers(t)
	runACLDiffOn(t, ember, redis, []diffCase{
		{"command, key and auth denials",
			"ACL SETUSER u on nopass -@all +get +set +multi +exec +auth +acl|whoami ~k* resetchannels",
			"AUTH u x", "GET k1", "GET other", "SET k1 v", "DEL k1", "CONFIG GET x", "ACL WHOAMI",
			"MULTI", "GET other", "DEL k", "GET k1", "EXEC",
			"AUTH nosuch x", "AUTH u", "HELLO 2 AUTH nosuch x", "AUTH default x"},
	})
	var logs [2][]any
	for i, p := range []*proc{ember, redis} {
		c := dialRaw(t, p.Addr)
		resetACL(t, c)
		c.doValue(t, "ACL", "SETUSER", "u", "on", "nopass", "-@all", "+get", "+multi", "+exec", "~k*")
		d := dialRaw(t, p.Addr)
		d.doValue(t, "AUTH", "u", "x")
		d.doValue(t, "GET", "other")
		d.doValue(t, "GET", "other")
		d.doValue(t, "SET", "k1", "v")
		d.doValue(t, "MULTI")
		d.doValue(t, "GET", "nope")
		d.doValue(t, "EXEC")
		d.doValue(t, "AUTH", "u2", "bad")
		c.doValue(t, "CONFIG", "SET", "acllog-max-len", "3")
		logs[i] = c.doValue(t, "ACL", "LOG").([]any)
		c.doValue(t, "CONFIG", "SET", "acllog-max-len", "128")
	}
	if len(logs[0]) != len(logs[1]) {
		t.Fatalf("ACL LOG: ember %d entries, redis %d", len(logs[0]), len(logs[1]))
	}
	for i := range logs[0] {
		e, r := pairs(logs[0][i]), pairs(logs[1][i])
		for _, f := range []string{"count", "reason", "context", "object", "username"} {
			if e[f] != r[f] {
				t.Errorf("entry %d %s: ember %v, redis %v", i, f, e[f], r[f])
			}
		}
		if _, ok := e["age-seconds"].(string); !ok {
			t.Errorf("entry %d age-seconds: %v", i, e["age-seconds"])
		}
		ei, ri := clientInfoFields(e["client-info"].(string)), clientInfoFields(r["client-info"].(string))
		for _, f := range []string{"name", "db", "flags", "cmd", "user", "resp", "multi"} {
			if ei[f] != ri[f] {
				t.Errorf("entry %d client-info %s: ember %q, redis %q", i, f, ei[f], ri[f])
			}
		}
	}
}

func clientInfoFields(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Fields(s) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

// SORT's BY and GET read keys they cannot name in advance: they need
// unrestricted read access (Redis's ACLUserCheckCmdWithUnrestrictedKeyAccess).
func TestDiffACL_SortByGet(t *testing.T) {
	ember, redis := aclServers(t)
	runACLDiffOn(t, ember, redis, []diffCase{
		{"sort by and get", "DEL myset v1 v2", "SADD myset 1 2", "SET v1 1", "ACL SETUSER s on nopass (+sort ~myset)", "AUTH s x", "SORT myset BY v*", "SORT myset GET v*", "SORT myset BY nosort",
			"SORT myset", "AUTH default x", "ACL SETUSER s (+sort ~myset ~v*)", "AUTH s x", "SORT myset BY v*", "SORT myset GET v*",
			"AUTH default x", "ACL SETUSER s (+sort %R~*)", "AUTH s x", "SORT myset BY v*", "SORT myset GET # GET v*",
			"AUTH default x", "ACL SETUSER u on nopass +sort %W~*", "AUTH u x", "SORT myset BY v*"},
	})
}
