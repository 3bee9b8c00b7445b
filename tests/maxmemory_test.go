package tests

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// End-to-end tests of maxmemory and eviction through go-redis.

func memInfo(t *testing.T, c *redis.Client, field string) int64 {
	t.Helper()
	for _, sec := range []string{"memory", "stats"} {
		if v, ok := infoValue(c.Info(context.Background(), sec).Val(), field); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %q", field, v)
			}
			return n
		}
	}
	t.Fatalf("INFO has no %s", field)
	return 0
}

func fill(t *testing.T, c *redis.Client, prefix string, n, size int, ttl time.Duration) {
	t.Helper()
	ctx := context.Background()
	val := strings.Repeat("v", size)
	p := c.Pipeline()
	for i := range n {
		p.Set(ctx, fmt.Sprintf("%s%d", prefix, i), val, ttl)
		if i%1000 == 999 || i == n-1 {
			if _, err := p.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// CONFIG SET maxmemory below the usage evicts down to it, least recently
// used keys first, counting evicted_keys.
func TestMaxmemory_ConfigSetLowerEvictsDown(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t, "--maxmemory-policy", "allkeys-lru")
	empty := memInfo(t, c, "used_memory")
	fill(t, c, "k", 20000, 100, 0)
	// The most recently used keys must survive.
	for i := range 100 {
		c.Get(ctx, fmt.Sprintf("k%d", i))
	}
	used := memInfo(t, c, "used_memory")
	// Room for about half the keys.
	limit := empty + (used-empty)/2
	if err := c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(limit, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for memInfo(t, c, "used_memory") > limit {
		if time.Now().After(deadline) {
			t.Fatalf("used_memory %d still over %d", memInfo(t, c, "used_memory"), limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	evicted := memInfo(t, c, "evicted_keys")
	if n := c.DBSize(ctx).Val(); evicted == 0 || n+evicted != 20000 || n < 5000 {
		t.Fatalf("dbsize %d, evicted_keys %d", n, evicted)
	}
	for i := range 100 {
		if c.Exists(ctx, fmt.Sprintf("k%d", i)).Val() != 1 {
			t.Fatalf("recently used k%d was evicted", i)
		}
	}
	if got := memInfo(t, c, "maxmemory"); got != limit {
		t.Fatalf("INFO maxmemory %d, want %d", got, limit)
	}
}

// Under a volatile policy only keys with an expiry are evicted; once none
// is left, writes are refused with Redis's OOM error and reads still work.
func TestMaxmemory_VolatilePolicies(t *testing.T) {
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			ctx := context.Background()
			c := keyspaceClient(t, "--maxmemory-policy", policy)
			fill(t, c, "keep", 2000, 50, 0)
			fill(t, c, "vol", 2000, 50, time.Hour)
			limit := memInfo(t, c, "used_memory") + 20_000
			c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(limit, 10))
			var oom error
			for i := 0; i < 20000 && oom == nil; i++ {
				oom = c.Set(ctx, fmt.Sprintf("new%d", i), strings.Repeat("x", 50), 0).Err()
			}
			if oom == nil || oom.Error() != "OOM command not allowed when used memory > 'maxmemory'." {
				t.Fatalf("after evicting every volatile key: %v", oom)
			}
			if used := memInfo(t, c, "used_memory"); used > limit+4096 {
				t.Fatalf("used_memory %d over the limit %d", used, limit)
			}
			for i := range 2000 {
				if c.Exists(ctx, fmt.Sprintf("keep%d", i)).Val() != 1 {
					t.Fatalf("keep%d, without expiry, was evicted", i)
				}
			}
			for i := range 2000 {
				if c.Exists(ctx, fmt.Sprintf("vol%d", i)).Val() != 0 {
					t.Fatalf("vol%d survived though writes were refused", i)
				}
			}
			if c.Get(ctx, "keep7").Val() == "" || c.Del(ctx, "keep8").Val() != 1 {
				t.Fatal("reads and deletes must work when out of memory")
			}
			if memInfo(t, c, "evicted_keys") < 2000 {
				t.Fatalf("evicted_keys %d", memInfo(t, c, "evicted_keys"))
			}
		})
	}
}

// A WATCHed key that is evicted makes EXEC fail. Under volatile-lru the
// watched key, the only one with an expiry, is the only one eviction may take.
func TestMaxmemory_EvictionTouchesWatch(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t, "--maxmemory-policy", "volatile-lru")
	c.Set(ctx, "watched", "v", time.Hour)
	fill(t, c, "k", 5000, 100, 0)
	err := c.Watch(ctx, func(tx *redis.Tx) error {
		used := memInfo(t, c, "used_memory")
		c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used-50_000, 10))
		// CONFIG SET evicts for a bounded time and a background pass may
		// finish the job: wait (bounded) for the eviction.
		for deadline := time.Now().Add(10 * time.Second); memInfo(t, c, "evicted_keys") == 0 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		if tx.Exists(ctx, "watched").Val() != 0 {
			t.Error("the only evictable key survived")
		}
		// Out of memory, Redis refuses even PING inside MULTI: lift the limit.
		c.ConfigSet(ctx, "maxmemory", "0")
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Ping(ctx)
			return nil
		})
		return err
	}, "watched")
	if err != redis.TxFailedErr {
		t.Fatalf("EXEC after the watched key was evicted: %v", err)
	}
}

// Out of memory under every policy, with nothing left to evict: commands
// of every kind get a reply, never a panic.
func TestMaxmemory_OOMNeverPanics(t *testing.T) {
	ctx := context.Background()
	p := startEmber(t)
	c := redis.NewClient(&redis.Options{Addr: p.Addr, MaxRetries: -1})
	defer c.Close()
	cmds := [][]any{
		{"SET", "a", "b"}, {"GET", "a"}, {"INCR", "n"}, {"APPEND", "a", "x"}, {"SETRANGE", "big", 1000000, "x"},
		{"LPUSH", "l", "a", "b"}, {"LRANGE", "l", 0, -1}, {"HSET", "h", "f", "v"}, {"SADD", "s", "m"},
		{"ZADD", "z", 1, "m"}, {"SUNIONSTORE", "d", "s", "s"}, {"SORT", "l", "ALPHA", "STORE", "d2"}, {"COPY", "a", "c"},
		{"RENAME", "a", "r"}, {"DEL", "r"}, {"FLUSHDB"}, {"MEMORY", "USAGE", "a"}, {"MEMORY", "STATS"}, {"OBJECT", "FREQ", "a"},
		{"BLPOP", "l", 0.01}, {"BITOP", "OR", "d3", "a"}, {"SETBIT", "bits", 100000, 1}, {"PING"},
	}
	for _, policy := range []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-ttl"} {
		c.ConfigSet(ctx, "maxmemory", "0")
		c.ConfigSet(ctx, "maxmemory-policy", policy)
		fill(t, c, "k", 200, 10, time.Hour)
		c.ConfigSet(ctx, "maxmemory", "1")
		for _, cmd := range cmds {
			err := c.Do(ctx, cmd...).Err()
			if err != nil && err != redis.Nil && strings.Contains(err.Error(), "internal") {
				t.Fatalf("%s %v: %v", policy, cmd, err)
			}
		}
		c.Do(ctx, "MULTI")
		c.Do(ctx, "SET", "a", "b")
		c.Do(ctx, "EXEC")
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatalf("%s: server gone: %v", policy, err)
		}
	}
	if strings.Contains(p.Log(), "panic") {
		t.Fatalf("panic logged:\n%s", p.Log())
	}
}

// The Go memory limit follows maxmemory and is restored with 0.
func TestMaxmemory_RuntimeLimit(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t)
	limit := func() int64 {
		s := c.Do(ctx, "MEMORY", "MALLOC-STATS").String()
		for _, line := range strings.Split(s, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "/gc/gomemlimit:bytes: "); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		t.Fatalf("no gomemlimit in MEMORY MALLOC-STATS: %q", s)
		return 0
	}
	orig := limit()
	c.ConfigSet(ctx, "maxmemory", "100mb")
	if l := limit(); l < 100<<20 || l > 140<<20 {
		t.Fatalf("memory limit %d for maxmemory 100mb", l)
	}
	c.ConfigSet(ctx, "maxmemory", "0")
	if l := limit(); l != orig {
		t.Fatalf("memory limit %d after maxmemory 0, was %d", l, orig)
	}
}

// INFO memory reports the running total and the limit; the peak follows.
func TestMaxmemory_InfoMemory(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t, "--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lfu")
	before := memInfo(t, c, "used_memory")
	fill(t, c, "k", 10000, 100, 0)
	after := memInfo(t, c, "used_memory")
	// 10000 keys of 100 bytes cost at least their payload, and not
	// unreasonably more.
	if d := after - before; d < 10000*110 || d > 10000*600 {
		t.Fatalf("used_memory grew by %d for 10000 keys", d)
	}
	if p := memInfo(t, c, "used_memory_peak"); p < after {
		t.Fatalf("peak %d below used %d", p, after)
	}
	s := c.Info(ctx, "memory").Val()
	for _, want := range []string{"maxmemory:104857600\r\n", "maxmemory_human:100.00M\r\n", "maxmemory_policy:allkeys-lfu\r\n", "used_memory_dataset:", "mem_fragmentation_ratio:"} {
		if !strings.Contains(s, want) {
			t.Errorf("INFO memory lacks %q", want)
		}
	}
	c.FlushAll(ctx)
	if got := memInfo(t, c, "used_memory"); got > before+64<<10 {
		t.Fatalf("used_memory %d after FLUSHALL, %d before the keys", got, before)
	}
}
