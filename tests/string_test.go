package tests

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// String and bitmap tests through go-redis against Ember alone: atomicity
// under concurrent clients and replies parsed by a real client library.

func stringClient(t *testing.T) (*redis.Client, context.Context) {
	t.Helper()
	p := startEmber(t, "--save", "")
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 3, PoolSize: 16})
	t.Cleanup(func() { c.Close() })
	return c, context.Background()
}

// TestString_MSetIsAtomic: a reader must never see half of an MSET.
func TestString_MSetIsAtomic(t *testing.T) {
	c, ctx := stringClient(t)
	keys := []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				args := []any{}
				for _, k := range keys {
					args = append(args, k, fmt.Sprint(w, ":", i))
				}
				if err := c.MSet(ctx, args...).Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	for i := 0; i < 2000; i++ {
		vals, err := c.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals[1:] {
			if v != vals[0] {
				close(stop)
				wg.Wait()
				t.Fatalf("MGET saw a partial MSET: %v", vals)
			}
		}
	}
	close(stop)
	wg.Wait()
}

// TestString_ConcurrentIncrAndAppend: no update is lost under concurrency.
func TestString_ConcurrentIncrAndAppend(t *testing.T) {
	c, ctx := stringClient(t)
	var wg sync.WaitGroup
	const workers, each = 8, 500
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				c.Incr(ctx, "counter")
				c.IncrByFloat(ctx, "float", 0.5)
				c.Append(ctx, "log", "0123456789")
			}
		}()
	}
	wg.Wait()
	if n, _ := c.Get(ctx, "counter").Int(); n != workers*each {
		t.Errorf("counter = %d", n)
	}
	if f, _ := c.Get(ctx, "float").Result(); f != fmt.Sprint(workers*each/2) {
		t.Errorf("float = %s", f)
	}
	if n, _ := c.StrLen(ctx, "log").Result(); n != workers*each*10 {
		t.Errorf("log length = %d", n)
	}
}

// TestString_ClientParsing: go-redis's typed results for the commands whose
// replies have structure (RESP3 maps, nulls inside arrays, floats).
func TestString_ClientParsing(t *testing.T) {
	c, ctx := stringClient(t)
	c.MSet(ctx, "a", "ohmytext", "b", "mynewtext")
	lcs, err := c.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b", Idx: true, WithMatchLen: true}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if lcs.Len != 6 || len(lcs.Matches) != 2 || lcs.Matches[0].Key1.Start != 4 || lcs.Matches[0].MatchLen != 4 {
		t.Errorf("LCS IDX: %+v", lcs)
	}
	if s, _ := c.LCS(ctx, &redis.LCSQuery{Key1: "a", Key2: "b"}).Result(); s.MatchString != "mytext" {
		t.Errorf("LCS: %+v", s)
	}
	res, err := c.BitField(ctx, "bf", "OVERFLOW", "FAIL", "SET", "u8", 0, 300, "SET", "u8", 0, 7, "GET", "i8", 0).Result()
	if err != nil || len(res) != 3 || res[0] != 0 || res[1] != 0 || res[2] != 7 {
		// go-redis reads the null as 0 in an []int64.
		t.Errorf("BITFIELD: %v %v", res, err)
	}
	if f, err := c.IncrByFloat(ctx, "f", 10.5).Result(); err != nil || f != 10.5 {
		t.Errorf("INCRBYFLOAT: %v %v", f, err)
	}
	if v, err := c.GetEx(ctx, "a", 100*time.Second).Result(); err != nil || v != "ohmytext" {
		t.Errorf("GETEX: %v %v", v, err)
	}
	hasTTL := true
	if err := c.TTL(ctx, "a").Err(); err != nil && strings.Contains(err.Error(), "unknown command") {
		t.Log("no TTL command yet: expiry checks skipped")
		hasTTL = false
	}
	if ttl := c.TTL(ctx, "a").Val(); hasTTL && (ttl <= 0 || ttl > 100*time.Second) {
		t.Errorf("TTL after GETEX: %v", ttl)
	}
	if v, err := c.SetArgs(ctx, "a", "new", redis.SetArgs{KeepTTL: true, Get: true}).Result(); err != nil || v != "ohmytext" {
		t.Errorf("SET KEEPTTL GET: %v %v", v, err)
	}
	if ttl := c.TTL(ctx, "a").Val(); hasTTL && ttl <= 0 {
		t.Errorf("KEEPTTL lost the expiry: %v", ttl)
	}
	if err := c.SetArgs(ctx, "a", "x", redis.SetArgs{Mode: "NX"}).Err(); err != redis.Nil {
		t.Errorf("SET NX on an existing key: %v", err)
	}
	if n, err := c.BitCount(ctx, "a", &redis.BitCount{Start: 0, End: -1, Unit: redis.BitCountIndexBit}).Result(); err != nil || n == 0 {
		t.Errorf("BITCOUNT BIT: %v %v", n, err)
	}
}

// TestString_HugeOffsetsDoNotAllocate: offsets near 2^62 are refused
// before any allocation, and the server stays responsive.
func TestString_HugeOffsetsDoNotAllocate(t *testing.T) {
	c, ctx := stringClient(t)
	errs := []struct {
		args []any
		want string
	}{
		{[]any{"SETRANGE", "k", "4611686018427387904", "x"}, "ERR string exceeds maximum allowed size (proto-max-bulk-len)"},
		{[]any{"SETBIT", "k", "4611686018427387904", "1"}, "ERR bit offset is not an integer or out of range"},
		{[]any{"BITFIELD", "k", "SET", "u8", "4294967296", "1"}, "ERR bit offset is not an integer or out of range"},
		{[]any{"BITFIELD", "k", "SET", "i64", "#9223372036854775807", "1"}, "ERR bit offset is not an integer or out of range"},
		{[]any{"APPEND", "k", strings.Repeat("x", 10)}, ""},
	}
	for _, e := range errs {
		err := c.Do(ctx, e.args...).Err()
		if (e.want == "" && err != nil) || (e.want != "" && (err == nil || err.Error() != e.want)) {
			t.Errorf("%v: %v, want %q", e.args, err, e.want)
		}
	}
	if err := c.ConfigSet(ctx, "proto-max-bulk-len", "1mb").Err(); err != nil {
		t.Skipf("CONFIG SET proto-max-bulk-len: %v", err)
	}
	if err := c.Append(ctx, "k", strings.Repeat("y", 1<<20)).Err(); err == nil || !strings.Contains(err.Error(), "proto-max-bulk-len") {
		t.Errorf("APPEND past a lowered limit: %v", err)
	}
	if err := c.SetBit(ctx, "k", 8<<20, 1).Err(); err == nil {
		t.Error("SETBIT past a lowered limit succeeded")
	}
	if n, _ := c.StrLen(ctx, "k").Result(); n != 10 {
		t.Errorf("length %d after refused writes", n)
	}
}
