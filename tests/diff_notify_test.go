package tests

import "testing"

// Keyspace notifications against redis-server: a subscriber on every
// keyspace and keyevent channel (connection 0) records what the commands
// of connection 1 publish, byte for byte. Cases whose commands Ember does
// not have yet are skipped, saying which.

type notifyCase struct {
	name  string
	flags string   // notify-keyspace-events
	needs []string // commands the case uses
	steps []string // commands on connection 1
}

var notifyCases = []notifyCase{
	// Strings.
	{"set family", "KEA", []string{"set", "setnx", "setex", "psetex", "getset", "mset", "msetnx"}, []string{
		"SET s1 v", "SET s1 v NX", "SET s1 w XX", "SET s1 x EX 100", "SET s1 y KEEPTTL", "SET s1 z GET", "SET s2 v XX",
		"SETNX s1 a", "SETNX s3 a", "SETEX s4 100 v", "PSETEX s5 100000 v", "GETSET s1 new", "GETSET s6 new",
		"MSET s1 a s7 b", "MSETNX s1 a s8 b", "MSETNX s8 b s9 c"}},
	{"string updates", "KEA", []string{"append", "incr", "incrby", "decr", "decrby", "incrbyfloat", "setrange"}, []string{
		"SET n 10", "APPEND n 1", "APPEND a2 x", "INCR n", "INCRBY n 5", "DECR n", "DECRBY n 3", "INCRBYFLOAT n 1.5", "INCR notnum", "SET t abc", "INCR t",
		"SETRANGE t 1 zz", "SETRANGE t2 0 \"\"", "SETRANGE t3 2 x"}},
	{"hyperloglog", "KEA", []string{"pfadd"}, []string{
		"PFADD h a b", "PFADD h a", "PFADD h", "PFCOUNT h", "PFADD e", "PFMERGE m h", "PFMERGE m", "PFDEBUG todense m", "SET s x", "PFADD s a"}},
	{"geo", "KEA", []string{"zadd", "georadiusstore", "geosearchstore", "del"}, []string{
		"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "GEOADD g 13.361389 38.115556 Palermo", "GEORADIUS g 15 37 200 km STORE d",
		"GEORADIUS g 15 37 1 m STORE d", "GEOSEARCHSTORE d2 g FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCHSTORE d2 g FROMLONLAT 15 37 BYRADIUS 1 m",
		"GEORADIUSBYMEMBER g Palermo 1 km STOREDIST d3"}},
	{"getdel getex", "KEA", []string{"getdel", "getex"}, []string{
		"SET g v", "GETEX g", "GETEX g EX 100", "GETEX g PERSIST", "GETEX g PX 100000", "GETDEL g", "GETDEL g", "GETEX nokey EX 10"}},
	// Expired keys are reported through the store's expiry observer, which
	// comes with the keyspace family (EXPIRE).
	{"set in the past", "KEA", []string{"set", "getex", "expire"}, []string{"SET p v", "SET p v PXAT 1", "SET p v", "GETEX p EXAT 1"}},
	{"bitmaps", "KEA", []string{"setbit", "bitop", "bitfield"}, []string{
		"SETBIT b 7 1", "SETBIT b 7 1", "SET x1 ab", "SET x2 cd", "BITOP AND bd x1 x2", "BITOP OR bd nokey1 nokey2",
		"BITFIELD bf SET u8 0 255", "BITFIELD bf GET u8 0", "BITFIELD bf INCRBY u8 0 1"}},
	// Hashes.
	{"hashes", "KEA", []string{"hset", "hsetnx", "hdel", "hincrby", "hincrbyfloat", "hmset"}, []string{
		"HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 9", "HSETNX h z 9", "HINCRBY h a 2", "HINCRBYFLOAT h a 0.5",
		"HDEL h nofield", "HDEL h a b", "HDEL h c z", "HGETALL h", "HSET s x y", "SET str v", "HSET str a b"}},
	// Sets.
	{"sets", "KEA", []string{"sadd", "srem", "spop", "smove", "sinterstore", "sunionstore", "sdiffstore"}, []string{
		"SADD s1 a b c", "SADD s1 a", "SREM s1 z", "SREM s1 a", "SMOVE s1 s2 b", "SMOVE s1 s2 nope", "SMOVE s1 s2 c",
		"SADD s3 1", "SPOP s3 0", "SPOP s3", "SPOP s3", "SADD s4 7", "SPOP s4 5", "SPOP s4 1", "SADD s5 x", "SRANDMEMBER s5",
		"SADD u1 a b", "SADD u2 b c", "SINTERSTORE d u1 u2", "SUNIONSTORE d u1 u2", "SDIFFSTORE d u1 u1", "SDIFFSTORE d u1 u2", "SINTERSTORE d nokey u1"}},
	{"set intset conversion", "Ks", []string{"sadd"}, []string{"SADD i 1 2 3", "SADD i x"}},
	// Sorted sets.
	{"sorted sets", "KEA", []string{"zadd", "zincrby", "zrem", "zpopmin", "zremrangebyscore", "zunionstore"}, []string{
		"ZADD z 1 a 2 b 3 c", "ZADD z 1 a", "ZADD z INCR 5 a", "ZADD z XX 4 nope", "ZINCRBY z 1 b", "ZREM z nope", "ZREM z a",
		"ZPOPMIN z", "ZADD z 1 q 2 r", "ZREMRANGEBYSCORE z 100 200", "ZREMRANGEBYSCORE z -inf +inf", "ZADD z1 1 a", "ZUNIONSTORE zd 2 z1 nokey", "ZUNIONSTORE zd 1 nokey"}},
	// Generic commands.
	{"generic", "KEA", []string{"del", "expire", "rename", "persist", "copy", "move"}, []string{
		"SET k v", "EXPIRE k 100", "PERSIST k", "PERSIST k", "RENAME k k2", "COPY k2 k3", "MOVE k3 1", "DEL k2 nokey", "EXPIRE nokey 10", "SET e v", "EXPIRE e 0"}},
	// Lists.
	{"lists", "KEA", []string{"lpush", "rpush", "lpop", "rpop", "linsert", "lset", "ltrim", "lmove"}, []string{
		"RPUSH l a b c", "LPUSH l z", "LINSERT l BEFORE a x", "LSET l 0 y", "LPOP l", "RPOP l 2", "LMOVE l l2 LEFT RIGHT", "LTRIM l 1 0", "RPOP l"}},
	// Masks and channels.
	{"keyspace only", "K$", []string{"set", "del", "hset"}, []string{"SET a 1", "DEL a", "HSET h f v"}},
	{"keyevent only", "Eg", []string{"set", "del"}, []string{"SET a 1", "DEL a"}},
	{"all but not m or n", "KEA", []string{"set", "get"}, []string{"GET missing", "SET fresh v"}},
	{"database number", "KEA", []string{"set", "select"}, []string{"SELECT 3", "SET k v", "SELECT 0"}},
	// Key misses: where Redis's lookupKeyRead misses.
	{"keymiss", "KEm", []string{"get", "mget", "exists", "hget", "smembers", "strlen", "type", "ttl", "set", "getdel", "sunionstore"}, []string{
		"GET m1", "MGET m1 m2 m1", "EXISTS m3", "HGET m4 f", "SMEMBERS m5", "STRLEN m6", "TYPE m7", "TTL m8", "SET m9 v", "GET m9",
		"SET m10 v GET", "GETDEL m11", "SUNIONSTORE dst m12 m13"}},
	{"keymiss with others", "KEA$m", []string{"get", "set"}, []string{"GET x", "SET x 1", "GET x"}},
	// New keys.
	{"new", "En", []string{"set", "hset", "sadd", "incr", "append", "zadd", "mset"}, []string{
		"SET n1 v", "SET n1 w", "HSET n2 a b", "HSET n2 c d", "SADD n3 a", "INCR n4", "INCR n4", "APPEND n5 x", "ZADD n6 1 a", "MSET n7 a n1 b n8 c"}},
	{"new with keyspace", "KEAn", []string{"set"}, []string{"SET nk v", "SET nk v"}},
}

func TestDiffNotify(t *testing.T) {
	for _, nc := range notifyCases {
		t.Run(nc.name, func(t *testing.T) {
			if !haveCommands(t, nc.needs...) {
				t.SkipNow()
			}
			steps := []string{"1 FLUSHDB", "1 CONFIG SET notify-keyspace-events " + nc.flags, "0 PSUBSCRIBE __key*__:*"}
			for _, s := range nc.steps {
				steps = append(steps, "1 "+s)
			}
			runStream(t, 2, steps, "CONFIG SET notify-keyspace-events \"\"", "FLUSHDB")
		})
	}
}

// Expired keys are reported by the store, lazily or by the active cycle.
func TestDiffNotifyExpired(t *testing.T) {
	if !haveCommands(t, "set", "get", "expire") {
		t.SkipNow()
	}
	runStream(t, 2, []string{
		"1 CONFIG SET notify-keyspace-events KEx", "0 PSUBSCRIBE __key*__:*",
		// One key at a time: the active cycle samples keys in random order.
		"1 SET ex1 v PX 30", "1 @sleep 600", "0 @expect", "1 GET ex1",
		"1 SET ex2 v PX 30", "1 @sleep 60", "1 GET ex2",
	}, "CONFIG SET notify-keyspace-events \"\"")
}

// Flag parsing and printing, as CONFIG SET/GET show them.
var notifyConfigCases = []diffCase{
	{"flags", "CONFIG SET notify-keyspace-events gKE", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events $lshzxeKE", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events KA", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events EA", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events Am", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events nKEmtd", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events g$lshzxetd", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events AAKK", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events x", "CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events Q", "CONFIG SET notify-keyspace-events KEa",
		"CONFIG SET notify-keyspace-events \"\"", "CONFIG GET notify-keyspace-events"},
}

func TestDiffNotifyConfig(t *testing.T) { runDiff(t, notifyConfigCases) }
