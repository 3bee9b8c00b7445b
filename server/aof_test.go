package server

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/store"
)

// aofTestServer is a server (not listening) whose AOF directory a test
// writes by hand before loading it.
type aofTestServer struct {
	*Server
	dir string
	log *bytes.Buffer
}

func newAOFTestServer(t testing.TB, extra string) *aofTestServer {
	t.Helper()
	dir := t.TempDir()
	cfg := NewConfig()
	if err := cfg.LoadString(fmt.Sprintf("dir %s\nappendonly yes\naof-use-rdb-preamble no\n%s", dir, extra)); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	s, err := New(cfg, &logBuf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.closeAOFForShutdown)
	return &aofTestServer{Server: s, dir: filepath.Join(dir, "appendonlydir"), log: &logBuf}
}

// writeAOF writes an AOF directory: a base (commands) and incr files.
func (ts *aofTestServer) writeAOF(t testing.TB, base string, incrs ...string) {
	t.Helper()
	if err := os.MkdirAll(ts.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &aof.Manifest{}
	name := m.NewBase("appendonly.aof", false)
	if err := os.WriteFile(filepath.Join(ts.dir, name), []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, in := range incrs {
		name := m.NewIncr("appendonly.aof")
		if err := os.WriteFile(filepath.Join(ts.dir, name), []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ts.dir, "appendonly.aof.manifest"), m.Format(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadOnly loads the AOF directory without opening it for appending
// afterwards (no fsyncs: for the tests that load many files).
func (ts *aofTestServer) loadOnly(t testing.TB) aofLoadResult {
	t.Helper()
	m, _, err := aof.LoadManifest(ts.dir, "appendonly.aof")
	if err != nil {
		t.Fatal(err)
	}
	return ts.loadAOFFiles(m, ts.dir, "appendonly.aof")
}

// reset empties the dataset and the log between loads.
func (ts *aofTestServer) reset() {
	tx := store.NewTx(ts.store)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	tx.FlushAll()
	tx.Unlock()
	ts.log.Reset()
}

// get reads a string key in database db.
func (ts *aofTestServer) get(db int, key string) (string, bool) {
	tx := store.NewTx(ts.store)
	tx.Begin(db)
	tx.AddKey([]byte(key))
	tx.Lock()
	defer tx.Unlock()
	v, ok, _ := tx.GetString([]byte(key))
	return string(v), ok
}

func cmds(lines ...string) string {
	var b []byte
	for _, l := range lines {
		b = aof.AppendStrings(b, strings.Fields(l)...)
	}
	return string(b)
}

func TestAOFLoad_BaseAndIncr(t *testing.T) {
	ts := newAOFTestServer(t, "")
	ts.writeAOF(t, cmds("SELECT 0", "SET a 1", "SET b 2"),
		cmds("SELECT 3", "SET c 3", "MULTI", "INCR c", "INCR c", "EXEC"),
		cmds("SELECT 0", "DEL b", "PEXPIREAT a 1"))
	if _, err := ts.loadAOFAtStartup(); err != nil {
		t.Fatalf("%v\n%s", err, ts.log)
	}
	if v, ok := ts.get(3, "c"); !ok || v != "5" {
		t.Fatalf("c = %q %v", v, ok)
	}
	if _, ok := ts.get(0, "b"); ok {
		t.Fatal("b survived its DEL")
	}
	// Loading expires nothing, but once loaded a key whose time passed is gone.
	if _, ok := ts.get(0, "a"); ok {
		t.Fatal("a outlived its expiry")
	}
	for _, line := range []string{"DB loaded from base file appendonly.aof.1.base.aof", "DB loaded from incr file appendonly.aof.2.incr.aof", "DB loaded from append only file"} {
		if !strings.Contains(ts.log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, ts.log)
		}
	}
}

// TestAOFLoad_NoExpiryWhileLoading: a key whose expiry passed stays
// present while later commands in the file touch it, as in Redis.
func TestAOFLoad_NoExpiryWhileLoading(t *testing.T) {
	ts := newAOFTestServer(t, "")
	ts.writeAOF(t, "", cmds("SET k v PXAT 1", "APPEND k w", "SET j x", "PEXPIREAT j 2", "PERSIST j"))
	if _, err := ts.loadAOFAtStartup(); err != nil {
		t.Fatalf("%v\n%s", err, ts.log)
	}
	if _, ok := ts.get(0, "k"); ok {
		t.Fatal("k was appended to after its expiry and lost its TTL")
	}
	if v, ok := ts.get(0, "j"); !ok || v != "x" {
		t.Fatalf("j = %q %v: PERSIST after a past PEXPIREAT must keep it", v, ok)
	}
}

// TestAOFLoad_TruncatedEveryOffset cuts the last command at every offset:
// with aof-load-truncated yes the file loads without it and is truncated
// to the last complete command; with no, the start-up fails.
func TestAOFLoad_TruncatedEveryOffset(t *testing.T) {
	head := cmds("SELECT 0", "SET a 1", "RPUSH l x y")
	last := cmds("SET b 2")
	for cut := 1; cut < len(last); cut++ {
		for _, truncOK := range []bool{true, false} {
			extra := ""
			if !truncOK {
				extra = "aof-load-truncated no\n"
			}
			ts := newAOFTestServer(t, extra)
			ts.writeAOF(t, "", head+last[:cut])
			_, err := ts.loadAOFAtStartup()
			if !truncOK {
				if err == nil || !strings.Contains(ts.log.String(), "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof") {
					t.Fatalf("cut %d: loaded with aof-load-truncated no (%v)\n%s", cut, err, ts.log)
				}
				continue
			}
			if err != nil {
				t.Fatalf("cut %d: %v\n%s", cut, err, ts.log)
			}
			if v, _ := ts.get(0, "a"); v != "1" {
				t.Fatalf("cut %d: a = %q", cut, v)
			}
			if _, ok := ts.get(0, "b"); ok {
				t.Fatalf("cut %d: the cut command ran", cut)
			}
			for _, line := range []string{
				"!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!",
				fmt.Sprintf("!!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!", len(head)),
				"AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled",
			} {
				if !strings.Contains(ts.log.String(), line) {
					t.Fatalf("cut %d: log lacks %q:\n%s", cut, line, ts.log)
				}
			}
			if n := fileSize(filepath.Join(ts.dir, "appendonly.aof.1.incr.aof")); n != int64(len(head)) {
				t.Fatalf("cut %d: file is %d bytes, want %d", cut, n, len(head))
			}
		}
	}
}

// TestAOFLoad_TruncatedNotLast: only the last file may be cut.
func TestAOFLoad_TruncatedNotLast(t *testing.T) {
	ts := newAOFTestServer(t, "")
	ts.writeAOF(t, cmds("SET a 1")[:10], cmds("SET b 2"))
	if _, err := ts.loadAOFAtStartup(); err == nil || !strings.Contains(ts.log.String(), "Fatal error: the truncated file is not the last file") {
		t.Fatalf("%v\n%s", err, ts.log)
	}
}

// TestAOFLoad_IncompleteMulti: a MULTI without its EXEC at the end is
// reverted, as Redis does, and the transaction is not applied in part.
func TestAOFLoad_IncompleteMulti(t *testing.T) {
	ts := newAOFTestServer(t, "")
	head := cmds("SET a 1")
	ts.writeAOF(t, "", head+cmds("MULTI", "SET a 2", "SET b 3"))
	if _, err := ts.loadAOFAtStartup(); err != nil {
		t.Fatalf("%v\n%s", err, ts.log)
	}
	if v, _ := ts.get(0, "a"); v != "1" {
		t.Fatalf("a = %q: part of the transaction was applied", v)
	}
	if !strings.Contains(ts.log.String(), "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof") {
		t.Fatalf("log:\n%s", ts.log)
	}
	if n := fileSize(filepath.Join(ts.dir, "appendonly.aof.1.incr.aof")); n != int64(len(head)) {
		t.Fatalf("file is %d bytes, want %d", n, len(head))
	}
}

// TestAOFLoad_CorruptMiddle: damage before the end refuses to start, naming
// the file and the offset.
func TestAOFLoad_CorruptMiddle(t *testing.T) {
	good := cmds("SET a 1")
	for _, tc := range []struct{ data, want string }{
		{good + "garbage\r\n" + good, "Bad file format reading the append only file appendonly.aof.1.incr.aof"},
		{good + "*1\r\n$3\r\nxyz\r\n", "Unknown command 'xyz' reading the append only file appendonly.aof.1.incr.aof"},
		{good + "*2\r\n$3\r\nGET\r\n", "Unexpected end of file"}, // ends inside: truncation, refused below
	} {
		ts := newAOFTestServer(t, "aof-load-truncated no\n")
		ts.writeAOF(t, "", tc.data)
		if _, err := ts.loadAOFAtStartup(); err == nil || !strings.Contains(ts.log.String(), tc.want) {
			t.Fatalf("%q: %v\n%s", tc.data, err, ts.log)
		}
	}
	ts := newAOFTestServer(t, "")
	ts.writeAOF(t, "", good+"garbage\r\n"+good)
	ts.loadAOFAtStartup()
	if !strings.Contains(ts.log.String(), fmt.Sprintf("is corrupt at offset %d", len(good))) {
		t.Fatalf("no offset in:\n%s", ts.log)
	}
}

// TestAOFLoad_FlippedBytes flips every byte of a file to a few values:
// loading never panics and either succeeds, truncates as Redis does, or
// refuses.
func TestAOFLoad_FlippedBytes(t *testing.T) {
	data := []byte(cmds("SELECT 0", "SET a 1", "RPUSH l x y z", "HSET h f v", "SADD s m", "ZADD z 1 m", "MULTI", "INCR n", "EXEC", "PEXPIREAT a 99999999999999"))
	if testing.Short() {
		data = data[:60]
	}
	ts := newAOFTestServer(t, "")
	for i := range data {
		for _, v := range []byte{0, '*', '$', '\n', '9', data[i] ^ 0x20} {
			if v == data[i] {
				continue
			}
			mut := bytes.Clone(data)
			mut[i] = v
			ts.reset()
			ts.writeAOF(t, "", string(mut))
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("byte %d = %q: panic %v", i, v, r)
					}
				}()
				ts.loadOnly(t)
			}()
			if strings.Contains(ts.log.String(), "panic") {
				t.Fatalf("byte %d = %q: %s", i, v, ts.log)
			}
		}
	}
}

func FuzzAOFLoad(f *testing.F) {
	f.Add([]byte(cmds("SELECT 0", "SET a 1", "MULTI", "INCR a", "EXEC", "RPUSH l a b")))
	f.Add([]byte("#TS:1\r\n" + cmds("SET k v PXAT 1", "APPEND k w")))
	ts := newAOFTestServer(f, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		ts.reset()
		ts.writeAOF(t, "", string(data))
		ts.loadOnly(t)
	})
}
