package tests

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Key specs and command tips: COMMAND INFO for every command and
// subcommand Ember implements, and the full COMMAND reply, are
// byte-identical to redis-server 7.0.15's in RESP2 and RESP3; COMMAND
// GETKEYS and GETKEYSANDFLAGS return Redis's keys and flags. Redis lists
// subcommands (and COMMAND its commands) in the order of a hash table with
// a random seed, so those two lists are compared element by element by
// name; a container whose subcommands Ember implements only in part is
// compared on the ones it has (the others are logged).

// bulkText returns the text of a raw bulk string reply.
func bulkText(raw string) string {
	if i := strings.Index(raw, "\r\n"); i >= 0 && raw[0] == '$' {
		return strings.TrimSuffix(raw[i+2:], "\r\n")
	}
	return raw
}

// entryName is the command name of a raw COMMAND INFO entry.
func entryName(raw string) string {
	_, el := respElems(raw)
	if len(el) == 0 {
		return raw
	}
	return bulkText(el[0])
}

// compareInfoEntry compares one COMMAND INFO entry: raw, except that the
// subcommands are matched by name.
func compareInfoEntry(t *testing.T, label, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	gh, ge := respElems(got)
	wh, we := respElems(want)
	if gh != wh || len(ge) != 10 || len(we) != 10 {
		t.Errorf("%s\n  redis: %q\n  ember: %q", label, want, got)
		return
	}
	fields := []string{"name", "arity", "flags", "first key", "last key", "step", "categories", "tips", "key specs"}
	for i, f := range fields {
		if ge[i] != we[i] {
			t.Errorf("%s: %s\n  redis: %q\n  ember: %q", label, f, we[i], ge[i])
		}
	}
	gsh, gsubs := respElems(ge[9])
	wsh, wsubs := respElems(we[9])
	missing := compareEntriesByName(t, label, label+": subcommand ", gsubs, wsubs)
	switch {
	case len(missing) > 0:
		t.Logf("%s: subcommands Ember does not implement: %v", label, missing)
	case gsh != wsh:
		t.Errorf("%s: subcommands header %q, Redis %q", label, gsh, wsh)
	}
}

// compareEntriesByName compares each of Ember's COMMAND INFO entries with
// Redis's entry of the same name (labelled label and the name; one Redis
// lacks is reported as unknown, after unknownPrefix) and returns the names
// only Redis has.
func compareEntriesByName(t *testing.T, label, unknownPrefix string, got, want []string) (onlyRedis []string) {
	t.Helper()
	redis := map[string]string{}
	for _, w := range want {
		redis[entryName(w)] = w
	}
	for _, g := range got {
		name := entryName(g)
		w, ok := redis[name]
		if !ok {
			t.Errorf("%s%s unknown to Redis", unknownPrefix, name)
			continue
		}
		compareInfoEntry(t, label+" "+name, g, w)
		delete(redis, name)
	}
	return slices.Sorted(maps.Keys(redis))
}

// keyspecConns returns connections to Ember and Redis in RESP2 or RESP3.
func keyspecConns(t *testing.T, proto string) (e, r *rawConn) {
	ember, redis := sharedServers(t)
	e, r = dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
	if proto == "3" {
		e.doValue(t, "HELLO", "3")
		r.doValue(t, "HELLO", "3")
	}
	return e, r
}

func TestDiffKeySpecsCommandInfo(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			e, r := keyspecConns(t, proto)
			var names []string
			for _, n := range e.doValue(t, "COMMAND", "LIST").([]any) {
				names = append(names, n.(string))
			}
			if len(names) < 100 {
				t.Fatalf("COMMAND LIST: only %d names", len(names))
			}
			const batch = 25
			for i := 0; i < len(names); i += batch {
				args := append([]string{"COMMAND", "INFO"}, names[i:min(i+batch, len(names))]...)
				got, err1 := e.Do(args...)
				want, err2 := r.Do(args...)
				if err1 != nil || err2 != nil {
					t.Fatalf("%v: %v / %v", args, err1, err2)
				}
				if got == want {
					continue
				}
				gh, ge := respElems(got)
				wh, we := respElems(want)
				if gh != wh || len(ge) != len(we) {
					t.Errorf("%v\n  redis: %q\n  ember: %q", args, want, got)
					continue
				}
				for j := range ge {
					compareInfoEntry(t, "COMMAND INFO "+args[2+j], ge[j], we[j])
				}
			}
		})
	}
}

func TestDiffKeySpecsCommandAll(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			e, r := keyspecConns(t, proto)
			got, err1 := e.Do("COMMAND")
			want, err2 := r.Do("COMMAND")
			if err1 != nil || err2 != nil {
				t.Fatalf("COMMAND: %v / %v", err1, err2)
			}
			_, ge := respElems(got)
			_, we := respElems(want)
			count, err := e.Do("COMMAND", "COUNT")
			if err != nil || count != ":"+strconv.Itoa(len(ge))+"\r\n" {
				t.Errorf("COMMAND has %d entries, COMMAND COUNT %q", len(ge), count)
			}
			compareEntriesByName(t, "COMMAND", "COMMAND: ", ge, we)
		})
	}
}

var keyspecsGetKeysCases = []string{
	// Errors.
	"COMMAND GETKEYS", "COMMAND GETKEYS nosuch a", "COMMAND GETKEYS ping", "COMMAND GETKEYS get",
	"COMMAND GETKEYS get a b", "COMMAND GETKEYS config get maxmemory", "COMMAND GETKEYS SPUBLISH a b",
	"COMMAND GETKEYS SUBSCRIBE a b", "COMMAND GETKEYSANDFLAGS zunion abc a", "COMMAND GETKEYSANDFLAGS zunion 0 a",
	"COMMAND GETKEYSANDFLAGS zunion 3 a b", "COMMAND GETKEYSANDFLAGS zunion -1 a", "COMMAND GETKEYSANDFLAGS object encoding",
	"COMMAND GETKEYSANDFLAGS zunionstore d 4294967297 a", "COMMAND GETKEYSANDFLAGS zunionstore d 4294967295 a",
	"COMMAND GETKEYSANDFLAGS zunionstore d 01 a", "COMMAND GETKEYSANDFLAGS zunionstore d ' 1' a",
	"COMMAND GETKEYS object", "COMMAND GETKEYS client list", "COMMAND GETKEYS memory usage", "COMMAND GETKEYS config",
	"COMMAND GETKEYS object nosuch k", "COMMAND GETKEYSANDFLAGS set k v \"get\\x00x\"", "COMMAND GETKEYS publish c m",
	"COMMAND GETKEYS getkeys x", "COMMAND GETKEYS command getkeys get k", "COMMAND GETKEYS flushall",
	// Strings and keyspace.
	"COMMAND GETKEYS set k v", "COMMAND GETKEYSANDFLAGS set k v", "COMMAND GETKEYSANDFLAGS set k v GET",
	"COMMAND GETKEYSANDFLAGS set k v NX get EX 10", "COMMAND GETKEYSANDFLAGS set k v getx",
	"COMMAND GETKEYSANDFLAGS get k", "COMMAND GETKEYSANDFLAGS getex k PERSIST", "COMMAND GETKEYSANDFLAGS getdel k",
	"COMMAND GETKEYSANDFLAGS getset k v", "COMMAND GETKEYSANDFLAGS append k v", "COMMAND GETKEYSANDFLAGS incr k",
	"COMMAND GETKEYSANDFLAGS setrange k 0 v", "COMMAND GETKEYSANDFLAGS lcs a b", "COMMAND GETKEYSANDFLAGS substr k 0 1",
	"COMMAND GETKEYS mset a 1 b 2 c 3", "COMMAND GETKEYSANDFLAGS mset a 1 b 2", "COMMAND GETKEYSANDFLAGS mset a 1 b",
	"COMMAND GETKEYSANDFLAGS msetnx a 1 b 2", "COMMAND GETKEYSANDFLAGS mget a b c",
	"COMMAND GETKEYSANDFLAGS del a b c", "COMMAND GETKEYSANDFLAGS unlink a b", "COMMAND GETKEYSANDFLAGS exists a a",
	"COMMAND GETKEYSANDFLAGS touch a", "COMMAND GETKEYSANDFLAGS type a", "COMMAND GETKEYSANDFLAGS expire a 10",
	"COMMAND GETKEYSANDFLAGS persist a", "COMMAND GETKEYSANDFLAGS ttl a", "COMMAND GETKEYSANDFLAGS rename a b",
	"COMMAND GETKEYSANDFLAGS renamenx a b", "COMMAND GETKEYSANDFLAGS copy a b DB 1 REPLACE", "COMMAND GETKEYSANDFLAGS move a 1",
	"COMMAND GETKEYSANDFLAGS dump a", "COMMAND GETKEYSANDFLAGS restore a 0 x", "COMMAND GETKEYSANDFLAGS object encoding k",
	"COMMAND GETKEYSANDFLAGS object freq k", "COMMAND GETKEYSANDFLAGS memory usage k SAMPLES 5", "COMMAND GETKEYSANDFLAGS watch a b",
	"COMMAND GETKEYSANDFLAGS debug object k",
	// Bitmaps.
	"COMMAND GETKEYSANDFLAGS bitop AND d a b c", "COMMAND GETKEYSANDFLAGS bitop NOT d a", "COMMAND GETKEYSANDFLAGS bitfield k GET u4 0",
	"COMMAND GETKEYSANDFLAGS bitfield k SET u4 0 1", "COMMAND GETKEYSANDFLAGS bitfield k OVERFLOW SAT GET u4 0",
	"COMMAND GETKEYSANDFLAGS bitfield k", "COMMAND GETKEYSANDFLAGS bitfield k INCRBY u4 0 1 GET u4 0",
	"COMMAND GETKEYSANDFLAGS bitfield_ro k GET u4 0", "COMMAND GETKEYSANDFLAGS setbit k 0 1", "COMMAND GETKEYSANDFLAGS bitcount k",
	"COMMAND GETKEYSANDFLAGS bitpos k 1",
	// Lists.
	"COMMAND GETKEYSANDFLAGS lmove a b left right", "COMMAND GETKEYSANDFLAGS blmove a b left right 0",
	"COMMAND GETKEYSANDFLAGS rpoplpush a b", "COMMAND GETKEYSANDFLAGS brpoplpush a b 0", "COMMAND GETKEYSANDFLAGS lpush a x y",
	"COMMAND GETKEYSANDFLAGS lpushx a x", "COMMAND GETKEYSANDFLAGS lpop a", "COMMAND GETKEYSANDFLAGS lrange a 0 -1",
	"COMMAND GETKEYSANDFLAGS lset a 0 x", "COMMAND GETKEYSANDFLAGS linsert a before x y", "COMMAND GETKEYSANDFLAGS lrem a 0 x",
	"COMMAND GETKEYSANDFLAGS ltrim a 0 1", "COMMAND GETKEYSANDFLAGS lpos a x", "COMMAND GETKEYSANDFLAGS blpop a b c 0",
	"COMMAND GETKEYSANDFLAGS brpop a 0", "COMMAND GETKEYSANDFLAGS lmpop 2 a b LEFT", "COMMAND GETKEYSANDFLAGS lmpop 3 a b LEFT",
	"COMMAND GETKEYSANDFLAGS lmpop 0 a LEFT", "COMMAND GETKEYSANDFLAGS blmpop 0 2 a b LEFT COUNT 2",
	"COMMAND GETKEYSANDFLAGS blmpop 0 x a b LEFT",
	// Hashes and sets.
	"COMMAND GETKEYSANDFLAGS hset h f v", "COMMAND GETKEYSANDFLAGS hmset h f v", "COMMAND GETKEYSANDFLAGS hsetnx h f v",
	"COMMAND GETKEYSANDFLAGS hdel h f", "COMMAND GETKEYSANDFLAGS hget h f", "COMMAND GETKEYSANDFLAGS hincrby h f 1",
	"COMMAND GETKEYSANDFLAGS hgetall h", "COMMAND GETKEYSANDFLAGS hrandfield h", "COMMAND GETKEYSANDFLAGS hscan h 0",
	"COMMAND GETKEYSANDFLAGS sadd s m", "COMMAND GETKEYSANDFLAGS srem s m", "COMMAND GETKEYSANDFLAGS spop s",
	"COMMAND GETKEYSANDFLAGS smove a b m", "COMMAND GETKEYSANDFLAGS sdiff a b c", "COMMAND GETKEYSANDFLAGS sdiffstore d a b",
	"COMMAND GETKEYSANDFLAGS sinterstore d a b", "COMMAND GETKEYSANDFLAGS sunionstore d a", "COMMAND GETKEYSANDFLAGS sintercard 2 a b LIMIT 1",
	"COMMAND GETKEYSANDFLAGS sintercard 1 a b", "COMMAND GETKEYSANDFLAGS sintercard 0 a",
	// Sorted sets.
	"COMMAND GETKEYSANDFLAGS zadd z 1 m", "COMMAND GETKEYSANDFLAGS zincrby z 1 m", "COMMAND GETKEYSANDFLAGS zrem z m",
	"COMMAND GETKEYSANDFLAGS zpopmin z", "COMMAND GETKEYSANDFLAGS bzpopmin a b 0", "COMMAND GETKEYSANDFLAGS bzpopmax a 0",
	"COMMAND GETKEYSANDFLAGS zrange z 0 -1", "COMMAND GETKEYSANDFLAGS zrangestore d z 0 -1", "COMMAND GETKEYSANDFLAGS zscore z m",
	"COMMAND GETKEYSANDFLAGS zremrangebyscore z 0 1", "COMMAND GETKEYSANDFLAGS zrandmember z",
	"COMMAND GETKEYS zunionstore d 2 a b", "COMMAND GETKEYSANDFLAGS zunionstore d 2 a b WEIGHTS 1 2",
	"COMMAND GETKEYSANDFLAGS zunionstore d 3 a b", "COMMAND GETKEYSANDFLAGS zunionstore d x a b",
	"COMMAND GETKEYSANDFLAGS zinterstore d 1 a", "COMMAND GETKEYSANDFLAGS zdiffstore d 2 a b",
	"COMMAND GETKEYSANDFLAGS zunion 2 a b WITHSCORES", "COMMAND GETKEYSANDFLAGS zinter 1 a", "COMMAND GETKEYSANDFLAGS zdiff 2 a b",
	"COMMAND GETKEYSANDFLAGS zintercard 2 a b LIMIT 0", "COMMAND GETKEYSANDFLAGS zmpop 2 a b MIN COUNT 1",
	"COMMAND GETKEYSANDFLAGS bzmpop 0 2 a b MAX", "COMMAND GETKEYSANDFLAGS bzmpop 0 5 a b MAX",
	// SORT: incomplete specs, Redis's sortGetKeys.
	"COMMAND GETKEYSANDFLAGS sort k", "COMMAND GETKEYSANDFLAGS sort k BY w GET x STORE d",
	"COMMAND GETKEYSANDFLAGS sort k LIMIT 0 1 STORE d", "COMMAND GETKEYSANDFLAGS sort k STORE",
	"COMMAND GETKEYSANDFLAGS sort k STORE a STORE b", "COMMAND GETKEYSANDFLAGS sort k GET store STORE d",
	"COMMAND GETKEYSANDFLAGS sort k ALPHA DESC", "COMMAND GETKEYSANDFLAGS sort_ro k BY x GET y",
	"COMMAND GETKEYS sort k BY w STORE d",
	// Redis's key functions compare options as C strings.
	`COMMAND GETKEYS sort k "store\x00" d`, `COMMAND GETKEYS sort k "limit\x00" 0 1 "store\x00x" d`, `COMMAND GETKEYS sort k "get\x00" store`,
	`COMMAND GETKEYS sort k "storex" d`, `COMMAND GETKEYS georadius k 1 2 3 m "store\x00" d`, `COMMAND GETKEYS georadiusbymember k m 3 m "storedist\x00x" d`,
	`COMMAND GETKEYS georadius k 1 2 3 m "storex" d`, `COMMAND GETKEYSANDFLAGS bitfield k "get\x00" u8 0`, `COMMAND GETKEYSANDFLAGS bitfield k "set\x00x" u8 0 1`,
	`COMMAND GETKEYSANDFLAGS bitfield k "overflow\x00" wrap "get\x00" u8 0`,
}

func TestDiffKeySpecsGetKeys(t *testing.T) {
	resp2 := append(diffCase{"getkeys"}, keyspecsGetKeysCases...)
	resp3 := append(diffCase{"getkeys RESP3", "!HELLO 3"}, keyspecsGetKeysCases...)
	runDiff(t, []diffCase{resp2, resp3})
}

// go-redis parses COMMAND into per-command routing policies (from the
// request_policy/response_policy tips) and other tips: every command Ember
// implements parses as Redis's does.
func TestDiffKeySpecsGoRedisPolicies(t *testing.T) {
	ember, redis := sharedServers(t)
	for _, proto := range []int{3, 2} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := newGoRedis(t, ember.Addr, proto).Command(ctx).Result()
			if err != nil {
				t.Fatalf("ember COMMAND: %v", err)
			}
			want, err := newGoRedis(t, redis.Addr, proto).Command(ctx).Result()
			if err != nil {
				t.Fatalf("redis COMMAND: %v", err)
			}
			for name, g := range got {
				if w := want[name]; !reflect.DeepEqual(g, w) {
					t.Errorf("%s:\n  redis: %+v %+v\n  ember: %+v %+v", name, w, w.CommandPolicy, g, g.CommandPolicy)
				}
			}
			if p := got["keys"].CommandPolicy; p == nil || fmt.Sprint(p.Request) != "all_shards" || len(p.Tips) == 0 {
				t.Errorf("KEYS policy: %+v", p)
			}
		})
	}
}
