package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func keyspaceClient(t *testing.T, args ...string) *redis.Client {
	t.Helper()
	p := startEmber(t, args...)
	c := redis.NewClient(&redis.Options{Addr: p.Addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// 100k keys with a 1 s TTL that nobody touches are reclaimed by active
// expiry within a few seconds, and DBSIZE says so.
func TestExpire_ActiveReclaimsUntouchedKeys(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t)
	const n = 100_000
	pipe := c.Pipeline()
	loadStart := time.Now()
	for i := range n {
		pipe.Set(ctx, fmt.Sprintf("key:%d", i), "v", time.Second)
		if i%10_000 == 9_999 {
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.Set(ctx, "keep", "v", 0)
	// Under load (the race detector, a busy machine) loading can outlast
	// the TTL: then some keys are already gone, which is fine.
	if got := c.DBSize(ctx).Val(); got != n+1 && time.Since(loadStart) < 900*time.Millisecond {
		t.Fatalf("DBSIZE %d", got)
	}
	deadline := time.Now().Add(8 * time.Second)
	for {
		size := c.DBSize(ctx).Val()
		if size == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DBSIZE still %d after the keys expired", size)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c.Exists(ctx, "keep").Val() != 1 {
		t.Fatal("a key without expiry was removed")
	}
}

// TTL, TYPE, EXISTS, OBJECT and MEMORY USAGE leave the access time alone; TOUCH and GET
// update it (OBJECT IDLETIME has one-second resolution, so this waits).
func TestExpire_IdleTime(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the access clock")
	}
	ctx := context.Background()
	c := keyspaceClient(t)
	c.Set(ctx, "a", "v", 0)
	c.Set(ctx, "b", "v", 0)
	time.Sleep(2100 * time.Millisecond)
	c.TTL(ctx, "a")
	c.Type(ctx, "a")
	c.Exists(ctx, "a")
	c.ObjectEncoding(ctx, "a")
	c.MemoryUsage(ctx, "a")
	c.Touch(ctx, "b")
	if idle := c.ObjectIdleTime(ctx, "a").Val(); idle < 2*time.Second {
		t.Fatalf("a: idle %v: a no-touch command updated the access time", idle)
	}
	if idle := c.ObjectIdleTime(ctx, "b").Val(); idle > time.Second {
		t.Fatalf("b: idle %v after TOUCH", idle)
	}
}

// OBJECT FREQ and IDLETIME depend on the eviction policy, as in Redis.
func TestExpire_ObjectFreqPolicy(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t, "--maxmemory-policy", "allkeys-lfu")
	c.Set(ctx, "a", "v", 0)
	if _, err := c.ObjectFreq(ctx, "a").Result(); err != nil {
		t.Fatalf("OBJECT FREQ under LFU: %v", err)
	}
	_, err := c.ObjectIdleTime(ctx, "a").Result()
	if err == nil || err.Error() != "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust." {
		t.Fatalf("OBJECT IDLETIME under LFU: %v", err)
	}
	if err := c.ObjectIdleTime(ctx, "nokey").Err(); err != redis.Nil {
		t.Fatalf("missing key: %v", err)
	}
}

// A keyspace where every key has expired: RANDOMKEY answers nil at once
// instead of looping, and reclaims the keys it met.
func TestExpire_RandomKeyAllExpired(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t, "--hz", "1")
	pipe := c.Pipeline()
	for i := range 20_000 {
		pipe.Set(ctx, fmt.Sprintf("k%d", i), "v", 50*time.Millisecond)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := c.RandomKey(ctx).Err(); err != redis.Nil {
		t.Fatalf("RANDOMKEY: %v", err)
	}
	if n := c.DBSize(ctx).Val(); n != 0 {
		t.Fatalf("DBSIZE %d", n)
	}
}

// go-redis's SCAN iterator sees every key, across all shards, with MATCH
// and TYPE.
func TestExpire_ScanIterator(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t)
	for i := range 3000 {
		c.Set(ctx, fmt.Sprintf("user:%d", i), i, 0)
	}
	c.Set(ctx, "other", "x", 0)
	seen := map[string]bool{}
	it := c.Scan(ctx, 0, "user:*", 50).Iterator()
	for it.Next(ctx) {
		seen[it.Val()] = true
	}
	if it.Err() != nil || len(seen) != 3000 {
		t.Fatalf("%d keys, %v", len(seen), it.Err())
	}
	keys, cursor, err := c.ScanType(ctx, 0, "", 10000, "string").Result()
	if err != nil || cursor != 0 || len(keys) != 3001 {
		t.Fatalf("SCAN TYPE: %d keys, cursor %d, %v", len(keys), cursor, err)
	}
}

// A watched key that expires (and is reclaimed by active expiry) before
// EXEC aborts the transaction, as in Redis.
func TestExpire_WatchedKeyExpires(t *testing.T) {
	ctx := context.Background()
	c := keyspaceClient(t)
	c.Set(ctx, "k", "v", 100*time.Millisecond)
	err := c.Watch(ctx, func(tx *redis.Tx) error {
		deadline := time.Now().Add(5 * time.Second)
		for c.DBSize(ctx).Val() != 0 {
			if time.Now().After(deadline) {
				t.Fatal("key not reclaimed by active expiry")
			}
			time.Sleep(50 * time.Millisecond)
		}
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "k", "new", 0)
			return nil
		})
		return err
	}, "k")
	if err != redis.TxFailedErr {
		t.Fatalf("EXEC after the watched key expired: %v", err)
	}
	if c.Exists(ctx, "k").Val() != 0 {
		t.Fatal("the aborted transaction ran")
	}
}
