package tests

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func emberClient(t *testing.T, p *proc, protocol int) *redis.Client {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: protocol, PoolSize: 64})
	t.Cleanup(func() { rc.Close() })
	return rc
}

// A watched key changed by another client makes EXEC return nil.
func TestMulti_WatchInvalidatedByOtherClient(t *testing.T) {
	p := startEmber(t)
	a, b := dialRaw(t, p.Addr), dialRaw(t, p.Addr)
	must := func(r *rawConn, want string, args ...string) {
		t.Helper()
		got, err := r.Do(args...)
		if err != nil || got != want {
			t.Fatalf("%v: got %q, %v; want %q", args, got, err, want)
		}
	}
	must(a, "+OK\r\n", "WATCH", "k")
	must(b, "+OK\r\n", "SET", "k", "other")
	must(a, "+OK\r\n", "MULTI")
	must(a, "+QUEUED\r\n", "SET", "k", "mine")
	must(a, "*-1\r\n", "EXEC")
	must(a, "$5\r\nother\r\n", "GET", "k")
	// After a failed EXEC nothing is watched any more.
	must(a, "+OK\r\n", "MULTI")
	must(a, "+QUEUED\r\n", "SET", "k", "mine")
	must(a, "*1\r\n+OK\r\n", "EXEC")
}

// Changes that count as modifying a watched key.
func TestMulti_WatchInvalidations(t *testing.T) {
	p := startEmber(t)
	cases := []struct {
		name  string
		setup []string
		touch [][]string
		want  string
	}{
		{"del", []string{"SET k v"}, [][]string{{"DEL", "k"}}, "*-1\r\n"},
		{"expire", []string{"SET k v"}, [][]string{{"EXPIRE", "k", "100"}}, "*-1\r\n"},
		{"rename onto", []string{"SET k v", "SET src x"}, [][]string{{"RENAME", "src", "k"}}, "*-1\r\n"},
		{"flushdb", []string{"SET k v"}, [][]string{{"FLUSHDB"}}, "*-1\r\n"},
		{"flushall", []string{"SET k v"}, [][]string{{"FLUSHALL"}}, "*-1\r\n"},
		{"swapdb", []string{"SET k v"}, [][]string{{"SWAPDB", "0", "1"}}, "*-1\r\n"},
		{"other key", []string{"SET k v"}, [][]string{{"SET", "other", "1"}}, "*1\r\n+OK\r\n"},
		{"read only", []string{"SET k v"}, [][]string{{"GET", "k"}}, "*1\r\n+OK\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := dialRaw(t, p.Addr), dialRaw(t, p.Addr)
			b.Do("FLUSHALL")
			for _, s := range tc.setup {
				b.Do(splitCommand(s)...)
			}
			a.Do("WATCH", "k")
			for _, c := range tc.touch {
				if r, err := b.Do(c...); err != nil || r[0] == '-' {
					t.Skipf("%v not available yet: %q", c, r)
				}
			}
			a.Do("MULTI")
			a.Do("SET", "x", "1")
			if got, _ := a.Do("EXEC"); got != tc.want {
				t.Fatalf("EXEC = %q, want %q", got, tc.want)
			}
		})
	}
}

// Optimistic locking from many clients: every increment lands exactly once.
func TestMulti_WatchCounterIsExact(t *testing.T) {
	p := startEmber(t)
	rc := emberClient(t, p, 3)
	ctx := context.Background()
	const clients, perClient = 16, 50
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < perClient; n++ {
				deadline := time.Now().Add(30 * time.Second)
				for {
					err := rc.Watch(ctx, func(tx *redis.Tx) error {
						v, err := tx.Get(ctx, "counter").Int()
						if err != nil && !errors.Is(err, redis.Nil) {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
							pipe.Set(ctx, "counter", v+1, 0)
							return nil
						})
						return err
					}, "counter")
					if err == nil {
						break
					}
					if !errors.Is(err, redis.TxFailedErr) || time.Now().After(deadline) {
						mu.Lock()
						failed = err
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	if got := rc.Get(ctx, "counter").Val(); got != strconv.Itoa(clients*perClient) {
		t.Fatalf("counter = %s, want %d", got, clients*perClient)
	}
}

// EXEC is atomic across shards: a reader never sees half a transaction.
func TestMulti_AtomicAcrossShards(t *testing.T) {
	p := startEmber(t)
	rc := emberClient(t, p, 2)
	ctx := context.Background()
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("acct:%d", i)
		rc.Set(ctx, keys[i], 0, 0)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; n <= 300; n++ {
			_, err := rc.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				for _, k := range keys {
					pipe.Set(ctx, k, n, 0)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
				break
			}
		}
		close(stop)
	}()
	torn := 0
	for reads := 0; reads < 100000; reads++ {
		select {
		case <-stop:
			reads = 1 << 30
			continue
		default:
		}
		vals, err := rc.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals[1:] {
			if v != vals[0] {
				torn++
				break
			}
		}
	}
	wg.Wait()
	if torn > 0 {
		t.Fatalf("%d reads saw a partly applied transaction", torn)
	}
}
