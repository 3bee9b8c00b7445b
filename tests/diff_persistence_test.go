package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ember-kv/ember/persistence/rdb"
	"github.com/redis/go-redis/v9"
)

// quoted renders b for a case line ("\xHH" escapes throughout).
func quoted(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		fmt.Fprintf(&sb, "\\x%02x", c)
	}
	sb.WriteByte('"')
	return sb.String()
}

// payload builds a DUMP payload from an encoded value.
func payload(body ...byte) []byte { return rdb.AppendDumpFooter(append([]byte(nil), body...)) }

func persistenceCases() []diffCase {
	str := quoted(payload(0, 5, 'h', 'e', 'l', 'l', 'o'))
	set := quoted(payload(2, 2, 1, 'a', 1, 'b'))
	hash := quoted(payload(4, 1, 1, 'f', 1, 'v'))
	zset := quoted(payload(5, 1, 1, 'm', 0, 0, 0, 0, 0, 0, 0xf0, 0x3f))
	dupSet := quoted(payload(2, 2, 1, 'a', 1, 'a'))
	emptySet := quoted(payload(2, 0))
	badType := quoted(payload(99, 1, 'x'))
	truncated := quoted(payload(0, 9, 'h', 'i'))
	v11 := []byte{0, 1, 'x', 11, 0}
	v11 = append(v11, make([]byte, 8)...)
	crc := rdb.CRC64(v11[:len(v11)-8])
	for i := range 8 {
		v11[len(v11)-8+i] = byte(crc >> (8 * i))
	}
	flipped := payload(0, 5, 'h', 'e', 'l', 'l', 'o')
	flipped[3] ^= 1
	return []diffCase{
		{"dump missing", "DUMP nosuch", "DUMP", "DUMP a b"},
		{"dump types", "SET s hello", "!DUMP s", "HSET h f v", "!DUMP h", "SADD st 1 2", "!DUMP st", "ZADD z 1 m", "!DUMP z", "RPUSH l a", "!DUMP l"},
		{"restore each type", "RESTORE k1 0 " + str, "GET k1", "OBJECT ENCODING k1", "RESTORE k2 0 " + set, "~SMEMBERS k2", "OBJECT ENCODING k2",
			"RESTORE k3 0 " + hash, "HGETALL k3", "OBJECT ENCODING k3", "RESTORE k4 0 " + zset, "ZRANGE k4 0 -1 WITHSCORES", "OBJECT ENCODING k4", "TTL k1"},
		{"restore busykey replace", "SET k x", "RESTORE k 0 " + str, "RESTORE k 0 " + str + " REPLACE", "GET k", "RESTORE k 0 " + str + " replace"},
		{"restore ttl", "RESTORE k 100000 " + str, "!PTTL k", "TTL k", "RESTORE k2 -1 " + str, "RESTORE k2 abc " + str, "RESTORE k2 1.5 " + str,
			"RESTORE k3 1 " + str + " ABSTTL", "EXISTS k3", "SET k4 v", "RESTORE k4 1 " + str + " ABSTTL REPLACE", "EXISTS k4", "RESTORE k5 99999999999999 " + str + " ABSTTL", "TTL k5"},
		{"restore options", "RESTORE k 0 " + str + " IDLETIME -1", "RESTORE k 0 " + str + " IDLETIME x", "RESTORE k 0 " + str + " FREQ 256", "RESTORE k 0 " + str + " FREQ -1",
			"RESTORE k 0 " + str + " IDLETIME 10 FREQ 5", "RESTORE k 0 " + str + " FREQ 5 IDLETIME 10", "RESTORE k 0 " + str + " IDLETIME", "RESTORE k 0 " + str + " FOO",
			"RESTORE k 0 " + str + " IDLETIME 1000", "!OBJECT IDLETIME k", "RESTORE k 0", "RESTORE k"},
		{"restore bad payloads", "RESTORE k 0 \"\"", "RESTORE k 0 abc", "RESTORE k 0 " + quoted(flipped), "RESTORE k 0 " + quoted(v11), "RESTORE k 0 " + badType,
			"RESTORE k 0 " + truncated, "GET k", "RESTORE k1 0 " + dupSet, "RESTORE k2 0 " + emptySet, "EXISTS k1 k2"},
		{"restore order of checks", "SET k v", "RESTORE k -1 garbage", "RESTORE k2 -1 garbage", "RESTORE k2 0 garbage FOO"},
		{"dump restore round trip", "SADD s a b c", "HSET h a 1 b 2", "ZADD z 1 a 2 b", "SET n 123"},
		{"save in multi", "MULTI", "SAVE", "EXEC"},
		// Redis compares options as C strings: an argument ends at a NUL byte.
		{"restore options end at nul", "SET k x", `RESTORE k 0 ` + str + ` "replace\x00"`, "GET k", `RESTORE k2 1 ` + str + ` "absttl\x00x"`, "EXISTS k2",
			`RESTORE k3 0 ` + str + ` "idletime\x00" 10`, `RESTORE k3 0 ` + str + ` "replacex"`, `RESTORE k 0 ` + str + ` "re\x00place"`},
		{"bgsave args", "BGSAVE a", "BGSAVE schedule now", "!LASTSAVE", "LASTSAVE x", "SAVE x"},
	}
}

func TestDiffPersistence(t *testing.T) { runDiff(t, persistenceCases()) }

// RESTORE ... IDLETIME sets the access time that far back. The diff above
// only compares the reply's type: the one-second access clock may tick
// between the two commands, on either server.
func TestRestore_IdleTimeSetsAccessTime(t *testing.T) {
	p := startEmber(t, "--save", "")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	c.Set(ctx, "src", "v", 0)
	dump := c.Dump(ctx, "src").Val()
	if err := c.Do(ctx, "RESTORE", "k", 0, dump, "IDLETIME", 1000).Err(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.ObjectIdleTime(ctx, "k").Result()
	if err != nil || idle < 1000*time.Second || idle > 1001*time.Second {
		t.Fatalf("OBJECT IDLETIME after RESTORE IDLETIME 1000: %v %v", idle, err)
	}
}

// DUMP payloads of every type, flipped and truncated, given to RESTORE:
// Ember answers with one of RESTORE's errors (or OK when the damage keeps a
// valid value) and keeps serving.
func TestRestore_DamagedPayloads(t *testing.T) {
	p := startEmber(t, "--save", "")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	fillAllTypes(t, c)
	keys := c.Keys(ctx, "*").Val()
	r := rand.New(rand.NewPCG(1, 2))
	allowed := map[string]bool{"ERR DUMP payload version or checksum are wrong": true, "ERR Bad data format": true}
	n := 0
	for _, k := range keys {
		good := []byte(c.Dump(ctx, k).Val())
		for range 40 {
			b := append([]byte(nil), good...)
			switch r.IntN(3) {
			case 0:
				b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
			case 1:
				b = b[:r.IntN(len(b))]
			case 2:
				// Damage the body and fix the checksum: the parser must
				// catch it.
				body := b[:len(b)-10]
				if len(body) > 1 {
					body[1+r.IntN(len(body)-1)] ^= byte(1 + r.IntN(255))
				}
				b = payload(body...)
			}
			err := c.Restore(ctx, "dst", 0, string(b)).Err()
			if err != nil && !allowed[err.Error()] {
				t.Fatalf("RESTORE of damaged %s payload: %v", k, err)
			}
			c.Del(ctx, "dst")
			n++
		}
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("server died after %d payloads: %v\n%s", n, err, p.Log())
	}
	if strings.Contains(p.Log(), "panic") {
		t.Fatalf("a handler panicked:\n%s", p.Log())
	}
}
