package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Hash tests through go-redis against Ember alone: properties a byte-level
// comparison with Redis cannot show.

func hashClient(t *testing.T) (*redis.Client, context.Context) {
	t.Helper()
	p := startEmber(t, "--save", "")
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 3})
	t.Cleanup(func() { c.Close() })
	return c, context.Background()
}

// TestHash_ScanGuarantee iterates a hashtable-encoded hash with HSCAN while
// another client adds and removes fields: every field present for the whole
// iteration must be returned, and each call must stay small.
func TestHash_ScanGuarantee(t *testing.T) {
	c, ctx := hashClient(t)
	w := redis.NewClient(&redis.Options{Addr: c.Options().Addr})
	defer w.Close()
	args := []any{}
	for i := range 2000 {
		args = append(args, fmt.Sprint("stable:", i), i)
	}
	if err := c.HSet(ctx, "h", args...).Err(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var cursor uint64
	for calls := 0; ; calls++ {
		keys, next, err := c.HScan(ctx, "h", cursor, "", 20).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) > 2*20*2 {
			t.Fatalf("HSCAN COUNT 20 returned %d elements in one call", len(keys))
		}
		for i := 0; i < len(keys); i += 2 {
			seen[keys[i]] = true
		}
		// Churn between calls: new fields, deletions, rewritten values.
		for j := range 10 {
			n := calls*10 + j
			w.HSet(ctx, "h", fmt.Sprint("tmp:", n), strings.Repeat("x", n%100))
			w.HDel(ctx, "h", fmt.Sprint("tmp:", n-5))
			w.HSet(ctx, "h", fmt.Sprint("stable:", n%2000), strings.Repeat("y", n%70))
		}
		cursor = next
		if cursor == 0 {
			break
		}
		if calls > 5000 {
			t.Fatal("HSCAN does not terminate")
		}
	}
	for i := range 2000 {
		if !seen[fmt.Sprint("stable:", i)] {
			t.Fatalf("stable:%d present throughout the scan but never returned", i)
		}
	}
}

// TestHash_RandFieldHugeCount checks that a count Redis would try to serve
// until it runs out of memory gets a bounded answer: past the output limit
// the client is dropped, and the server carries on.
func TestHash_RandFieldHugeCount(t *testing.T) {
	c, ctx := hashClient(t)
	c.HSet(ctx, "h", "a", "1", "b", "2")
	for _, args := range [][]any{{"HRANDFIELD", "h", "-9223372036854775807"}, {"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"}} {
		start := time.Now()
		if err := c.Do(ctx, args...).Err(); err == nil {
			t.Errorf("%v: answered in full", args)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("%v: took %v", args, d)
		}
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatalf("server gone after %v: %v", args, err)
		}
	}
	err := c.Do(ctx, "HRANDFIELD", "h", "-4611686018427387904", "WITHVALUES").Err()
	if err == nil || err.Error() != "ERR value is out of range" {
		t.Errorf("WITHVALUES beyond the range: %v", err)
	}
	// Large but servable counts are served in full.
	res, err := c.Do(ctx, "HRANDFIELD", "h", "-100000").StringSlice()
	if err != nil || len(res) != 100000 {
		t.Errorf("HRANDFIELD h -100000: %d elements, %v", len(res), err)
	}
	all, err := c.Do(ctx, "HRANDFIELD", "h", "9223372036854775807").StringSlice()
	if err != nil || len(all) != 2 {
		t.Errorf("HRANDFIELD h MaxInt64: %v %v", all, err)
	}
}

// TestHash_GoRedis covers the typed views go-redis gives of the replies, in
// RESP3: HGETALL as a map, HRANDFIELD WITHVALUES as pairs, floats as text.
func TestHash_GoRedis(t *testing.T) {
	c, ctx := hashClient(t)
	if n, err := c.HSet(ctx, "h", map[string]any{"a": 1, "b": "x"}).Result(); err != nil || n != 2 {
		t.Fatalf("HSET map: %d %v", n, err)
	}
	m, err := c.HGetAll(ctx, "h").Result()
	if err != nil || len(m) != 2 || m["a"] != "1" || m["b"] != "x" {
		t.Fatalf("HGETALL: %v %v", m, err)
	}
	f, err := c.HIncrByFloat(ctx, "h", "a", 0.1).Result()
	if err != nil || f != 1.1 {
		t.Fatalf("HINCRBYFLOAT: %v %v", f, err)
	}
	kv, err := c.HRandFieldWithValues(ctx, "h", 5).Result()
	if err != nil || len(kv) != 2 {
		t.Fatalf("HRANDFIELD WITHVALUES: %v %v", kv, err)
	}
	for _, p := range kv {
		if m[p.Key] == "" {
			t.Errorf("HRANDFIELD returned unknown field %q", p.Key)
		}
	}
	if err := c.HIncrBy(ctx, "h", "b", 1).Err(); err == nil || err.Error() != "ERR hash value is not an integer" {
		t.Errorf("HINCRBY on text: %v", err)
	}
	vals, err := c.HMGet(ctx, "h", "a", "zz").Result()
	if err != nil || len(vals) != 2 || vals[0] != "1.1" || vals[1] != nil {
		t.Errorf("HMGET: %#v %v", vals, err)
	}
}
