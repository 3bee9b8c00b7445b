package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RDB persistence end to end: round trips through SAVE + restart and DEBUG
// RELOAD, files and DUMP payloads exchanged with redis-server both ways.

// fillAllTypes writes every type in every encoding, with and without TTLs,
// in databases 0 and 2.
func fillAllTypes(t *testing.T, c *redis.Client) {
	t.Helper()
	ctx := context.Background()
	long := strings.Repeat("L", 100)
	do := func(args ...any) {
		t.Helper()
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	for _, db := range []int{0, 2} {
		do("select", db)
		p := fmt.Sprintf("d%d:", db)
		do("set", p+"int", "12345")
		do("set", p+"neg", "-9000000000")
		do("set", p+"embstr", "hello world")
		do("set", p+"raw", long)
		do("set", p+"bin", "\x00\xff\r\n")
		do("set", p+"empty", "")
		do("set", p+"compressible", strings.Repeat("abc", 1000))
		do("set", p+"ttl", "v", "px", 3_600_000)
		do("hset", p+"hlp", "a", "1", "b", "2")
		do("hset", p+"hlong", "a", long)
		args := []any{"hset", p + "hbig"}
		for i := range 600 {
			args = append(args, fmt.Sprint("f", i), fmt.Sprint(i))
		}
		do(args...)
		do("sadd", p+"sint", "1", "-5", "300000", "9999999999")
		do("sadd", p+"sstr", "a", "b", "c")
		args = []any{"sadd", p + "sbigint"}
		for i := range 600 {
			args = append(args, i)
		}
		do(args...)
		do("zadd", p+"zlp", "1", "a", "2.5", "b", "-inf", "c", "inf", "d")
		do("zadd", p+"zlong", "1", long)
		args = []any{"zadd", p + "zbig"}
		for i := range 200 {
			args = append(args, float64(i)/3, fmt.Sprint("m", i))
		}
		do(args...)
		do("rpush", p+"list", "a", "1", long, "-3")
		args = []any{"rpush", p + "biglist"}
		for i := range 1000 {
			args = append(args, fmt.Sprint("element-", i))
		}
		do(args...)
		do("expire", p+"list", 9000)
		do("expire", p+"zbig", 5000)
		do("expire", p+"hlp", 7000)
	}
	do("select", 0)
}

// dataset describes every key of a server: db, key, type, encoding, value
// and absolute expiry.
func dataset(t *testing.T, addr string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for db := range 16 {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			typ := c.Type(ctx, k).Val()
			enc := c.ObjectEncoding(ctx, k).Val()
			exp := c.Do(ctx, "pexpiretime", k).Val()
			var val string
			switch typ {
			case "string":
				val = fmt.Sprintf("%q", c.Get(ctx, k).Val())
			case "hash":
				m := c.HGetAll(ctx, k).Val()
				var ps []string
				for f, v := range m {
					ps = append(ps, f+"="+v)
				}
				sort.Strings(ps)
				val = strings.Join(ps, ",")
			case "set":
				ms := c.SMembers(ctx, k).Val()
				sort.Strings(ms)
				val = strings.Join(ms, ",")
			case "zset":
				zs := c.ZRangeWithScores(ctx, k, 0, -1).Val()
				for _, z := range zs {
					val += fmt.Sprintf("%v:%v,", z.Member, z.Score)
				}
			case "list":
				val = strings.Join(c.LRange(ctx, k, 0, -1).Val(), ",")
			}
			out = append(out, fmt.Sprintf("%d %s %s %s %v %s", db, k, typ, enc, exp, val))
		}
		c.Close()
	}
	sort.Strings(out)
	return out
}

func sameDataset(t *testing.T, what string, want, got []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: empty reference dataset", what)
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		for i := range max(len(want), len(got)) {
			var w, g string
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if w != g {
				t.Fatalf("%s: datasets differ (%d vs %d keys), first at %d:\nwant %.200s\n got %.200s", what, len(want), len(got), i, w, g)
			}
		}
	}
}

func TestRDB_SaveRestartAndDebugReload(t *testing.T) {
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "", "--enable-debug-command", "yes")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	fillAllTypes(t, c)
	want := dataset(t, p.Addr)
	ctx := context.Background()
	if v, err := c.Do(ctx, "debug", "reload").Result(); err != nil || v != "OK" {
		t.Fatalf("DEBUG RELOAD: %v %v", v, err)
	}
	sameDataset(t, "after DEBUG RELOAD", want, dataset(t, p.Addr))
	if v, err := c.Save(ctx).Result(); err != nil || v != "OK" {
		t.Fatalf("SAVE: %v %v", v, err)
	}
	p.Stop()
	p2, err := startProc(emberBin, dir, "--save", "")
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Stop()
	// The log reaches the test through a pipe: the line may still be on
	// its way when the server already answers.
	waitLog(t, p2, "DB loaded from disk: ")
	sameDataset(t, "after restart", want, dataset(t, p2.Addr))
	out, err := exec.Command("redis-check-rdb", filepath.Join(dir, "dump.rdb")).CombinedOutput()
	if _, lookErr := exec.LookPath("redis-check-rdb"); lookErr == nil && (err != nil || !strings.Contains(string(out), "RDB looks OK")) {
		t.Errorf("redis-check-rdb: %v\n%s", err, out)
	}
}

// A file saved by redis-server (its listpack, intset, quicklist encodings)
// loads into Ember with the same data, encodings and expiries, and Ember's
// file loads into redis-server the same way.
func TestRDB_InteropWithRedis(t *testing.T) {
	needRedis(t)
	rdir := t.TempDir()
	r, err := startProc(redisServerPath(), rdir, "--save", "", "--appendonly", "no", "--enable-debug-command", "yes")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	rc := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
	defer rc.Close()
	ctx := context.Background()
	fillAllTypes(t, rc)
	// What Redis itself has after loading its own file.
	if err := rc.Do(ctx, "debug", "reload").Err(); err != nil {
		t.Fatal(err)
	}
	want := dataset(t, r.Addr)

	edir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(rdir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(edir, "dump.rdb"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := startProc(emberBin, edir, "--save", "")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	sameDataset(t, "Redis file in Ember", want, dataset(t, e.Addr))

	// And back: Ember's file into a fresh redis-server.
	ec := redis.NewClient(&redis.Options{Addr: e.Addr, Protocol: 2})
	defer ec.Close()
	if err := ec.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("redis-check-rdb", filepath.Join(edir, "dump.rdb")).CombinedOutput(); err != nil || !strings.Contains(string(out), "RDB looks OK") {
		t.Fatalf("redis-check-rdb on Ember's file: %v\n%s", err, out)
	}
	rdir2 := t.TempDir()
	data, _ = os.ReadFile(filepath.Join(edir, "dump.rdb"))
	os.WriteFile(filepath.Join(rdir2, "dump.rdb"), data, 0o644)
	r2, err := startProc(redisServerPath(), rdir2, "--save", "", "--appendonly", "no")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Stop()
	sameDataset(t, "Ember file in Redis", want, dataset(t, r2.Addr))
}

// DUMP payloads move both ways between Ember and redis-server.
func TestDumpRestore_InteropWithRedis(t *testing.T) {
	needRedis(t)
	r := startRedis(t)
	e := startEmber(t)
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
	ec := redis.NewClient(&redis.Options{Addr: e.Addr, Protocol: 2})
	defer rc.Close()
	defer ec.Close()
	move := func(from, to *redis.Client) {
		keys := from.Keys(ctx, "*").Val()
		for _, k := range keys {
			payload, err := from.Dump(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			pttl := from.PTTL(ctx, k).Val()
			ttl := int64(0)
			if pttl > 0 {
				ttl = from.Do(ctx, "pexpiretime", k).Val().(int64)
			}
			if err := to.Do(ctx, "restore", k, ttl, payload, "replace", "absttl").Err(); err != nil {
				t.Fatalf("RESTORE %s: %v", k, err)
			}
		}
	}
	for _, c := range []*redis.Client{rc, ec} {
		c.FlushAll(ctx)
	}
	// Redis -> Ember.
	fillAllTypes(t, rc)
	want := dataset(t, r.Addr)
	move(rc, ec)
	got := dataset(t, e.Addr)
	sameDataset(t, "Redis DUMP into Ember (db 0)", filterDB(want, 0), filterDB(got, 0))
	// Ember -> Redis.
	rc.FlushAll(ctx)
	move(ec, rc)
	sameDataset(t, "Ember DUMP into Redis (db 0)", filterDB(want, 0), filterDB(dataset(t, r.Addr), 0))
}

func filterDB(ds []string, db int) []string {
	var out []string
	for _, l := range ds {
		if strings.HasPrefix(l, fmt.Sprint(db, " ")) {
			out = append(out, l)
		}
	}
	return out
}

// Corrupt files never crash Ember: it refuses to start with a message
// naming the file and the offset, or (for a flip the format cannot see
// before the checksum) refuses on the checksum.
func TestRDB_CorruptFileRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "")
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	fillAllTypes(t, c)
	if err := c.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	p.Stop()
	good, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"truncated-half":    good[:len(good)/2],
		"truncated-trailer": good[:len(good)-3],
		"bad-magic":         append([]byte("REDIX"), good[5:]...),
	}
	for _, off := range []int{20, len(good) / 3, len(good) - 20} {
		b := append([]byte(nil), good...)
		b[off] ^= 0x5a
		cases[fmt.Sprint("flip-", off)] = b
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			d := t.TempDir()
			os.WriteFile(filepath.Join(d, "dump.rdb"), data, 0o644)
			cmd := exec.Command(emberBin, "--port", "0", "--dir", d, "--save", "")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("started on a corrupt file:\n%s", out)
			}
			if strings.Contains(string(out), "panic") || strings.Contains(string(out), "goroutine ") {
				t.Fatalf("panicked:\n%s", out)
			}
			if !strings.Contains(string(out), "dump.rdb") && !strings.Contains(string(out), "offset") {
				t.Errorf("message names neither file nor offset:\n%s", out)
			}
		})
	}
}

func TestSave_ShutdownWithSavePoints(t *testing.T) {
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "3600 1")
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	ctx := context.Background()
	c.Set(ctx, "k", "v", 0)
	if n := infoField(t, c, "rdb_changes_since_last_save"); n != "1" {
		t.Errorf("rdb_changes_since_last_save = %s", n)
	}
	_ = c.Shutdown(ctx).Err()
	c.Close()
	waitExit(t, p)
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatalf("no dump after SHUTDOWN: %v\n%s", err, p.Log())
	}
	p2, err := startProc(emberBin, dir, "--save", "", "--enable-protected-configs", "yes")
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Stop()
	c2 := redis.NewClient(&redis.Options{Addr: p2.Addr, Protocol: 2})
	defer c2.Close()
	if v := c2.Get(ctx, "k").Val(); v != "v" {
		t.Fatalf("after restart k = %q", v)
	}
	// A save that fails (the directory is gone) makes SHUTDOWN fail
	// unless FORCE; NOSAVE skips the save.
	gone := t.TempDir()
	if err := c2.ConfigSet(ctx, "dir", gone).Err(); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(gone)
	c2.ConfigSet(ctx, "save", "3600 1")
	c2.Set(ctx, "k2", "v", 0)
	if err := c2.Shutdown(ctx).Err(); err == nil || err.Error() != "ERR Errors trying to SHUTDOWN. Check logs." {
		t.Errorf("SHUTDOWN with failing save: %v", err)
	}
	if err := c2.Ping(ctx).Err(); err != nil {
		t.Fatalf("server gone after failed SHUTDOWN: %v", err)
	}
	_ = c2.ShutdownNoSave(ctx).Err()
	waitExit(t, p2)
}

func infoField(t *testing.T, c *redis.Client, name string) string {
	t.Helper()
	v, ok := infoValue(c.Info(context.Background(), "persistence").Val(), name)
	if !ok {
		t.Fatalf("INFO lacks %s", name)
	}
	return v
}

func TestBgsave_RepliesAndInfo(t *testing.T) {
	p := startEmber(t, "--save", "")
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	ctx := context.Background()
	for i := range 1000 {
		c.Set(ctx, fmt.Sprint("k", i), i, 0)
	}
	if v, err := c.BgSave(ctx).Result(); err != nil || v != "Background saving started" {
		t.Fatalf("BGSAVE: %q %v", v, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "rdb_bgsave_in_progress") != "0" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := infoField(t, c, "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("status %s\n%s", s, p.Log())
	}
	if n := infoField(t, c, "rdb_changes_since_last_save"); n != "0" {
		t.Errorf("changes after BGSAVE = %s", n)
	}
	if v, err := c.Do(ctx, "bgsave", "foo").Result(); err == nil || err.Error() != "ERR syntax error" {
		t.Errorf("BGSAVE foo: %v %v", v, err)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
}

// DEBUG DIGEST and DIGEST-VALUE give redis-server's values for the same
// data.
func TestDebugDigest_SameAsRedis(t *testing.T) {
	needRedis(t)
	r := startRedis(t, "--enable-debug-command", "yes")
	e := startEmber(t, "--enable-debug-command", "yes")
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
	ec := redis.NewClient(&redis.Options{Addr: e.Addr, Protocol: 2})
	defer rc.Close()
	defer ec.Close()
	for _, c := range []*redis.Client{rc, ec} {
		if d := c.Do(ctx, "debug", "digest").Val(); d != strings.Repeat("0", 40) {
			t.Fatalf("empty digest %v", d)
		}
		fillAllTypes(t, c)
	}
	if want, got := rc.Do(ctx, "debug", "digest").Val(), ec.Do(ctx, "debug", "digest").Val(); want != got {
		t.Errorf("DEBUG DIGEST: redis %v, ember %v", want, got)
	}
	keys := rc.Keys(ctx, "*").Val()
	args := []any{"debug", "digest-value", "nosuchkey"}
	for _, k := range keys {
		args = append(args, k)
	}
	want, got := fmt.Sprint(rc.Do(ctx, args...).Val()), fmt.Sprint(ec.Do(ctx, args...).Val())
	if want != got {
		t.Errorf("DIGEST-VALUE:\nredis %v\nember %v", want, got)
	}
}

// Under an LRU policy the file keeps idle times (IDLE fields); with
// rdbchecksum no the checksum is zero and the file still loads.
func TestRDB_IdleTimesAndNoChecksum(t *testing.T) {
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "", "--maxmemory-policy", "allkeys-lru", "--rdbchecksum", "no")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	c.Set(ctx, "src", "v", 0)
	payload := c.Dump(ctx, "src").Val()
	if err := c.Do(ctx, "restore", "old", 0, payload, "idletime", 5000).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	p.Stop()
	data, _ := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if tail := data[len(data)-8:]; string(tail) != string(make([]byte, 8)) {
		t.Errorf("checksum not zero: % x", tail)
	}
	p2, err := startProc(emberBin, dir, "--save", "", "--maxmemory-policy", "allkeys-lru")
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Stop()
	c2 := redis.NewClient(&redis.Options{Addr: p2.Addr, Protocol: 2})
	defer c2.Close()
	idle := c2.ObjectIdleTime(ctx, "old").Val()
	if idle < 4990*time.Second || idle > 5100*time.Second {
		t.Errorf("idle time after reload %v, want about 5000s", idle)
	}
	if idle := c2.ObjectIdleTime(ctx, "src").Val(); idle > 100*time.Second {
		t.Errorf("fresh key idle %v", idle)
	}
}

// A failed background save with save points set makes writes (and PING)
// fail with MISCONF until a save succeeds, as stop-writes-on-bgsave-error.
func TestBgsave_FailureStopsWrites(t *testing.T) {
	p := startEmber(t, "--save", "3600 1000", "--enable-protected-configs", "yes")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2, MaxRetries: -1})
	defer c.Close()
	c.Set(ctx, "x", "x", 0)
	gone := t.TempDir()
	if err := c.ConfigSet(ctx, "dir", gone).Err(); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(gone)
	if err := c.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "rdb_last_bgsave_status") != "err" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	misconf := "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	if err := c.Set(ctx, "x", "y", 0).Err(); err == nil || err.Error() != misconf {
		t.Fatalf("SET after failed BGSAVE: %v", err)
	}
	if err := c.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "MISCONF") {
		t.Errorf("PING after failed BGSAVE: %v", err)
	}
	if v := c.Get(ctx, "x").Val(); v != "x" {
		t.Errorf("GET = %q", v)
	}
	c.ConfigSet(ctx, "stop-writes-on-bgsave-error", "no")
	if err := c.Set(ctx, "x", "z", 0).Err(); err != nil {
		t.Errorf("SET with stop-writes-on-bgsave-error no: %v", err)
	}
	c.ConfigSet(ctx, "stop-writes-on-bgsave-error", "yes")
	c.ConfigSet(ctx, "dir", t.TempDir())
	if err := c.Do(ctx, "save").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "x", "w", 0).Err(); err != nil {
		t.Errorf("SET after a good SAVE: %v", err)
	}
}

// Save points: "N changes in M seconds" starts a BGSAVE from the cron.
func TestSavePoints_TriggerBgsave(t *testing.T) {
	p := startEmber(t, "--save", "1 2")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	before := c.LastSave(ctx).Val()
	c.Set(ctx, "a", "1", 0)
	c.Set(ctx, "b", "2", 0)
	waitLog(t, p, "2 changes in 1 seconds. Saving...")
	deadline := time.Now().Add(10 * time.Second)
	for c.LastSave(ctx).Val() == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if c.LastSave(ctx).Val() == before {
		t.Fatalf("LASTSAVE did not move:\n%s", p.Log())
	}
	if _, err := os.Stat(filepath.Join(p.Dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	if n := infoField(t, c, "rdb_changes_since_last_save"); n != "0" {
		t.Errorf("changes after the save: %s", n)
	}
}

// SAVE while a BGSAVE runs is refused; BGSAVE inside MULTI is scheduled.
func TestBgsave_InProgressAndScheduled(t *testing.T) {
	p := startEmber(t, "--save", "")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	defer c.Close()
	for i := range 200 {
		c.Set(ctx, fmt.Sprint("k", i), i, 0)
	}
	c.ConfigSet(ctx, "rdb-key-save-delay", "5000") // 1 s for 200 keys
	c.BgSave(ctx)
	if err := c.Save(ctx).Err(); err == nil || err.Error() != "ERR Background save already in progress" {
		t.Errorf("SAVE during BGSAVE: %v", err)
	}
	if err := c.BgSave(ctx).Err(); err == nil || err.Error() != "ERR Background save already in progress" {
		t.Errorf("BGSAVE during BGSAVE: %v", err)
	}
	if n := infoField(t, c, "rdb_bgsave_in_progress"); n != "1" {
		t.Errorf("rdb_bgsave_in_progress %s", n)
	}
	c.ConfigSet(ctx, "rdb-key-save-delay", "0")
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "rdb_bgsave_in_progress") != "0" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.BgSave(ctx)
		return nil
	})
	if err != nil || cmds[0].(*redis.StatusCmd).Val() != "Background saving scheduled" {
		t.Errorf("BGSAVE in MULTI: %v %v", cmds, err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for strings.Count(p.Log(), "Background saving started") < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Count(p.Log(), "Background saving started") < 2 {
		t.Errorf("the scheduled BGSAVE never ran:\n%s", p.Log())
	}
}

// SIGTERM with save points set saves before exiting.
func TestSave_OnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p, err := startProc(emberBin, dir, "--save", "3600 1")
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: 2})
	c.Set(context.Background(), "k", "v", 0)
	c.Close()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, p); code != 0 {
		t.Errorf("exit code %d", code)
	}
	if !strings.Contains(p.Log(), "Saving the final RDB snapshot before exiting.") || !strings.Contains(p.Log(), "DB saved on disk") {
		t.Errorf("no final save in log:\n%s", p.Log())
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
}
