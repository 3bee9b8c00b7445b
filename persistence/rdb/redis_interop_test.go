package rdb

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Interop with the reference redis-server 7.0: files and DUMP payloads it
// writes load here, and what this package writes loads there and passes
// redis-check-rdb. Skipped when redis-server is not installed.

func startRedisAt(t *testing.T, dir string, args ...string) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed: skipping RDB interop (.ci/run installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"}, args...)...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rc := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Protocol: 2})
	t.Cleanup(func() { rc.Close() })
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if rc.Ping(ctx).Err() == nil {
			return rc
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// populate fills a Redis with every type in both of its encodings.
func populate(t *testing.T, rc *redis.Client) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rc.Set(ctx, "str:int", "12345", 0).Err())
	must(rc.Set(ctx, "str:neg", "-9000000000", 0).Err())
	must(rc.Set(ctx, "str:emb", "hello world", 0).Err())
	must(rc.Set(ctx, "str:lzf", strings.Repeat("compress me ", 100), 0).Err())
	must(rc.Set(ctx, "str:ttl", "v", time.Hour).Err())
	must(rc.RPush(ctx, "list:small", "a", "1", "-5", "300", "70000", strings.Repeat("q", 100)).Err())
	for i := 0; i < 2000; i++ {
		must(rc.RPush(ctx, "list:big", fmt.Sprintf("element-%d", i), i).Err())
	}
	must(rc.SAdd(ctx, "set:int", 1, 2, 3, -40000, 5000000000).Err())
	must(rc.SAdd(ctx, "set:str", "a", "b", "c").Err())
	for i := 0; i < 600; i++ {
		must(rc.SAdd(ctx, "set:bigint", i).Err())
	}
	must(rc.ZAdd(ctx, "zset:small", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"}, redis.Z{Score: 1e300, Member: "c"}).Err())
	for i := 0; i < 300; i++ {
		must(rc.ZAdd(ctx, "zset:big", redis.Z{Score: float64(i) / 3, Member: fmt.Sprintf("m%d", i)}).Err())
	}
	must(rc.HSet(ctx, "hash:small", "f1", "v1", "f2", "2").Err())
	for i := 0; i < 300; i++ {
		must(rc.HSet(ctx, "hash:big", fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i)).Err())
	}
	must(rc.Do(ctx, "SELECT", 3).Err())
}

// snapshot reads a Redis's data through its own commands, canonically.
func snapshot(t *testing.T, rc *redis.Client) map[string]string {
	ctx := context.Background()
	out := map[string]string{}
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		typ := rc.Type(ctx, k).Val()
		var v string
		switch typ {
		case "string":
			v = rc.Get(ctx, k).Val()
		case "list":
			v = fmt.Sprint(rc.LRange(ctx, k, 0, -1).Val())
		case "set":
			m := rc.SMembers(ctx, k).Val()
			sort.Strings(m)
			v = fmt.Sprint(m)
		case "zset":
			v = fmt.Sprint(rc.ZRangeWithScores(ctx, k, 0, -1).Val())
		case "hash":
			m := rc.HGetAll(ctx, k).Val()
			var fs []string
			for f, val := range m {
				fs = append(fs, f+"="+val)
			}
			sort.Strings(fs)
			v = fmt.Sprint(fs)
		}
		ttl := rc.PTTL(ctx, k).Val()
		out[k] = fmt.Sprintf("%s %s ttl>0=%v", typ, v, ttl > 0)
	}
	return out
}

// canonical renders entries the way snapshot renders a server.
func canonical(entries []Entry) map[string]string {
	out := map[string]string{}
	for _, e := range entries {
		var typ, v string
		switch e.Value.Kind {
		case KindString:
			typ, v = "string", string(e.Value.Str)
		case KindList:
			var s []string
			for _, x := range e.Value.Elems {
				s = append(s, string(x))
			}
			typ, v = "list", fmt.Sprint(s)
		case KindSet:
			var s []string
			for _, x := range e.Value.Elems {
				s = append(s, string(x))
			}
			sort.Strings(s)
			typ, v = "set", fmt.Sprint(s)
		case KindZSet:
			zs := append([]ZMember(nil), e.Value.ZSet...)
			sort.Slice(zs, func(i, j int) bool {
				if zs[i].Score != zs[j].Score {
					return zs[i].Score < zs[j].Score
				}
				return string(zs[i].Member) < string(zs[j].Member)
			})
			var z []redis.Z
			for _, m := range zs {
				z = append(z, redis.Z{Score: m.Score, Member: string(m.Member)})
			}
			typ, v = "zset", fmt.Sprint(z)
		case KindHash:
			var fs []string
			for _, p := range e.Value.Pairs {
				fs = append(fs, string(p[0])+"="+string(p[1]))
			}
			sort.Strings(fs)
			typ, v = "hash", fmt.Sprint(fs)
		}
		out[string(e.Key)] = fmt.Sprintf("%s %s ttl>0=%v", typ, v, e.ExpireMs > 0)
	}
	return out
}

func TestInterop_LoadRedisDumpAndWriteForRedis(t *testing.T) {
	dir := t.TempDir()
	rc := startRedisAt(t, dir)
	populate(t, rc)
	ctx := context.Background()
	rc.Do(ctx, "SELECT", 0)
	want := snapshot(t, rc)
	if len(want) != 14 {
		t.Fatalf("populated %d keys, want 14: %v", len(want), want)
	}
	if err := rc.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var c collector
	if err := Load(f, &c); err != nil {
		t.Fatalf("loading Redis's dump.rdb: %v", err)
	}
	got := canonical(c.entries)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("loaded data differs\n got %v\nwant %v", got, want)
	}

	// DUMP payloads of every key decode to the same values.
	for i := range c.entries {
		e := &c.entries[i]
		p, err := rc.Dump(ctx, string(e.Key)).Result()
		if err != nil {
			t.Fatal(err)
		}
		v, err := DecodeDump([]byte(p))
		if err != nil {
			t.Fatalf("DUMP %s: %v", e.Key, err)
		}
		if fmt.Sprint(canonical([]Entry{{Key: e.Key, Value: v}})) != fmt.Sprint(canonical([]Entry{{Key: e.Key, Value: e.Value}})) {
			t.Fatalf("DUMP %s decoded differently", e.Key)
		}
		// And our payload restores in Redis under a new name.
		if err := rc.Restore(ctx, "copy:"+string(e.Key), 0, string(EncodeDump(&e.Value))).Err(); err != nil {
			t.Fatalf("RESTORE of our payload for %s: %v", e.Key, err)
		}
	}

	// Our file, written from what we loaded, loads into a fresh Redis with
	// the same data and passes redis-check-rdb.
	dir2 := t.TempDir()
	out, err := os.Create(filepath.Join(dir2, "ours.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(out, true)
	w.Aux("redis-ver", "7.0.15")
	w.Aux("redis-bits", "64")
	w.SelectDB(0, uint64(len(c.entries)), 0)
	for i := range c.entries {
		w.Entry(&c.entries[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if check, err := exec.LookPath("redis-check-rdb"); err == nil {
		res, err := exec.Command(check, filepath.Join(dir2, "ours.rdb")).CombinedOutput()
		if err != nil || !bytes.Contains(res, []byte("RDB looks OK")) {
			t.Fatalf("redis-check-rdb: %v\n%s", err, res)
		}
	}
	rc2 := startRedisAt(t, dir2, "--dbfilename", "ours.rdb")
	if got2 := snapshot(t, rc2); fmt.Sprint(got2) != fmt.Sprint(want) {
		t.Fatalf("Redis loaded our file differently\n got %v\nwant %v", got2, want)
	}
}
