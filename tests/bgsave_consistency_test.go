package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Accounts spread over every shard keep a constant total under concurrent
// MULTI/EXEC transfers. A BGSAVE taken meanwhile must hold a total equal to
// that constant: it is one point in time across all shards.
func TestBgsave_ConsistentUnderTransfers(t *testing.T) {
	const accounts, initial = 2000, 100
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2, PoolSize: 16})
	defer c.Close()
	pipe := c.Pipeline()
	for i := range accounts {
		pipe.Set(ctx, fmt.Sprint("acct:", i), initial, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// Padding makes the save take long enough for transfers to race it.
	pad := make([]byte, 2000)
	pipe = c.Pipeline()
	for i := range 20000 {
		pipe.Set(ctx, fmt.Sprint("pad:", i), pad, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}

	var stop atomic.Bool
	var transfers atomic.Int64
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := 0; i < 200000 && !stop.Load(); i++ {
				a, b := r.IntN(accounts), r.IntN(accounts)
				if a == b {
					continue
				}
				amt := int64(r.IntN(5) + 1)
				_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.DecrBy(ctx, fmt.Sprint("acct:", a), amt)
					p.IncrBy(ctx, fmt.Sprint("acct:", b), amt)
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				transfers.Add(1)
			}
		}()
	}
	waitFor := func(n int64) {
		deadline := time.Now().Add(20 * time.Second)
		for transfers.Load() < n && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(200)
	rounds := 3
	for round := range rounds {
		if err := c.BgSave(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		before := transfers.Load()
		deadline := time.Now().Add(30 * time.Second)
		for infoField(t, c, "rdb_bgsave_in_progress") != "0" && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		t.Logf("round %d: %d transfers during the save, cow %s bytes", round, transfers.Load()-before, infoField(t, c, "rdb_last_cow_size"))
		checkTotal(t, filepath.Join(dir, "dump.rdb"), accounts*initial)
		waitFor(transfers.Load() + 100)
	}
	stop.Store(true)
	wg.Wait()
}

// checkTotal loads the dump into a fresh server and sums the accounts.
func checkTotal(t *testing.T, path string, want int64) {
	t.Helper()
	d := t.TempDir()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(d, "dump.rdb"), data, 0o644)
	p, err := startProc(emberBin, d, "--save", "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	ctx := context.Background()
	var total int64
	var n int
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "acct:*", 1000).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			v, _ := strconv.ParseInt(c.Get(ctx, k).Val(), 10, 64)
			total += v
			n++
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if total != want || n != 2000 {
		t.Fatalf("saved total %d over %d accounts, want %d over 2000", total, n, want)
	}
}

// kill -9 at a random moment under write load and BGSAVE: the dump.rdb
// left behind is always a complete one (temp file + rename).
func TestBgsave_KillNineLeavesLoadableDump(t *testing.T) {
	for round := range 4 {
		dir := t.TempDir()
		p, err := startProc(emberBin, dir, "--save", "")
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2, PoolSize: 8, MaxRetries: -1})
		pipe := c.Pipeline()
		for i := range 30000 {
			pipe.Set(ctx, fmt.Sprint("k", i), fmt.Sprint(i, "-", round), 0)
		}
		pipe.Exec(ctx)
		c.Save(ctx)
		var stop atomic.Bool
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1e6 && !stop.Load(); i++ {
					if c.Set(ctx, fmt.Sprint("w", w, ":", i%5000), i, 0).Err() != nil {
						return
					}
				}
			}()
		}
		for range 3 {
			c.BgSave(ctx)
			time.Sleep(time.Duration(rand.IntN(30)) * time.Millisecond)
		}
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
		stop.Store(true)
		wg.Wait()
		c.Close()
		p2, err := startProc(emberBin, dir, "--save", "")
		if err != nil {
			t.Fatalf("round %d: restart after kill -9 failed: %v", round, err)
		}
		c2 := redis.NewClient(&redis.Options{Addr: p2.Addr, Protocol: 2})
		if n := c2.DBSize(ctx).Val(); n < 30000 {
			t.Errorf("round %d: %d keys after restart", round, n)
		}
		c2.Close()
		p2.Stop()
	}
}

// BGSAVE, FLUSHALL (which stops a running save and saves), SAVE and DEBUG
// RELOAD racing each other never deadlock and leave a loadable file.
func TestBgsave_RacesWithFlushAndSave(t *testing.T) {
	p := startEmber(t, "--save", "3600 1", "--enable-debug-command", "yes")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2, PoolSize: 8, ReadTimeout: 20 * time.Second})
	defer c.Close()
	var wg sync.WaitGroup
	deadline := time.Now().Add(3 * time.Second)
	ops := []func(){
		func() { c.BgSave(ctx) },
		func() { c.FlushAll(ctx) },
		func() { c.Save(ctx) },
		func() { c.Do(ctx, "debug", "reload") },
		func() {
			pipe := c.Pipeline()
			for i := range 500 {
				pipe.Set(ctx, fmt.Sprint("k", i), i, 0)
			}
			pipe.Exec(ctx)
		},
	}
	for w, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300 && time.Now().Before(deadline); i++ {
				op()
				if w == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("server stuck or gone: %v\n%s", err, p.Log())
	}
	if err := c.Do(ctx, "debug", "reload").Err(); err != nil {
		t.Fatalf("final DEBUG RELOAD: %v", err)
	}
}
