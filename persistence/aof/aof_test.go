package aof

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestManifest_FormatParseRoundTrip(t *testing.T) {
	m := &Manifest{}
	m.NewBase("appendonly.aof", true)
	m.NewIncr("appendonly.aof")
	m.NewIncr("appendonly.aof")
	m.NewBase("appendonly.aof", false) // the first base becomes history
	m.MarkRewrittenIncrAsHistory(true)
	want := "file appendonly.aof.2.base.aof seq 2 type b\n" +
		"file appendonly.aof.1.incr.aof seq 1 type h\n" +
		"file appendonly.aof.1.base.rdb seq 1 type h\n" +
		"file appendonly.aof.2.incr.aof seq 2 type i\n"
	if got := string(m.Format()); got != want {
		t.Fatalf("format:\n%s\nwant:\n%s", got, want)
	}
	back, err := ParseManifest(strings.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(back.Format()); got != want {
		t.Fatalf("round trip:\n%s", got)
	}
	if back.BaseSeq != 2 || back.IncrSeq != 2 {
		t.Fatalf("seqs %d %d", back.BaseSeq, back.IncrSeq)
	}
}

func TestManifest_QuotedNames(t *testing.T) {
	m := &Manifest{}
	m.NewBase("my file\n.aof", true)
	text := string(m.Format())
	if text != "file \"my file\\n.aof.1.base.rdb\" seq 1 type b\n" {
		t.Fatalf("got %q", text)
	}
	back, err := ParseManifest(strings.NewReader(text))
	if err != nil || back.Base.Name != "my file\n.aof.1.base.rdb" {
		t.Fatalf("%v %+v", err, back)
	}
}

// TestManifest_Errors checks Redis's refusals (aofLoadManifestFromFile).
func TestManifest_Errors(t *testing.T) {
	for _, tc := range []struct{ text, err string }{
		{"", "Found an empty AOF manifest"},
		{"file a seq 1 type b", "The AOF manifest file contains too long line"},
		{"\n", "Invalid AOF manifest file format"},
		{"file a seq 1\n", "Invalid AOF manifest file format"},
		{"file a seq 1 type b x\n", "Invalid AOF manifest file format"},
		{"file a seq 0 type b\n", "Invalid AOF manifest file format"},
		{"file dir/a seq 1 type b\n", "File can't be a path, just a filename"},
		{"file a seq 1 type b\nfile c seq 2 type b\n", "Found duplicate base file information"},
		{"file a seq 2 type i\nfile c seq 2 type i\n", "Found a non-monotonic sequence number"},
		{"file a seq 1 type x\n", "Unknown AOF file type"},
		{"file \"a seq 1 type b\n", "Invalid AOF manifest file format"},
		{strings.Repeat("x", 2000) + "\n", "The AOF manifest file contains too long line"},
	} {
		_, err := ParseManifest(strings.NewReader(tc.text))
		var me *ManifestError
		if !errors.As(err, &me) || me.Message != tc.err {
			t.Errorf("%q: got %v, want %q", tc.text, err, tc.err)
		}
	}
	// Comments, extra fields (forward compatibility) and case are accepted.
	m, err := ParseManifest(strings.NewReader("# comment\nFILE a SEQ 1 TYPE b extra 1\nfile b seq 3 type i\n"))
	if err != nil || m.Base.Name != "a" || m.Incr[0].Seq != 3 {
		t.Fatalf("%v %+v", err, m)
	}
}

func TestReader_Commands(t *testing.T) {
	data := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
	r := NewReader(strings.NewReader(data), 0)
	var got []string
	for {
		args, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(bytes.Join(args, []byte(" "))))
	}
	if strings.Join(got, "|") != "SELECT 0|SET k " {
		t.Fatalf("got %q", got)
	}
	if r.Offset() != int64(len(data)) {
		t.Fatalf("offset %d", r.Offset())
	}
}

// TestReader_TruncatedEverywhere cuts a file at every offset inside its
// last command: always ErrTruncated, with the valid offset at the end of
// the previous command.
func TestReader_TruncatedEverywhere(t *testing.T) {
	first := string(AppendStrings(nil, "SET", "a", "1"))
	last := string(AppendStrings(nil, "RPUSH", "list", "hello", "world"))
	for cut := 1; cut < len(last); cut++ {
		r := NewReader(strings.NewReader(first+last[:cut]), 0)
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		_, err := r.Next()
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if r.Offset() != int64(len(first)) {
			t.Fatalf("cut %d: valid offset %d", cut, r.Offset())
		}
	}
}

func TestReader_FormatErrors(t *testing.T) {
	for _, in := range []string{
		"SET a b\r\n",
		"*0\r\n",
		"*-1\r\n",
		"*x\r\n",
		"*1\r\nfoo\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$3\r\nfooXY",
		"\r\n",
	} {
		_, err := NewReader(strings.NewReader(in), 0).Next()
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%q: %v, want a format error", in, err)
		}
	}
	// A huge announced length with little data is a truncation, and
	// allocates only what is there.
	_, err := NewReader(strings.NewReader("*1\r\n$999999999999\r\nabc"), 0).Next()
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("huge length: %v", err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"))
	f.Add([]byte("#TS:1\r\n*1\r\n$5\r\nMULTI\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), 0)
		for i := 0; i < 1000; i++ {
			args, err := r.Next()
			if err != nil {
				if r.Offset() > int64(len(data)) {
					t.Fatalf("offset %d past %d", r.Offset(), len(data))
				}
				return
			}
			if len(args) == 0 {
				t.Fatal("empty command")
			}
		}
	})
}

func FuzzManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		back, err := ParseManifest(bytes.NewReader(m.Format()))
		if err != nil && !m.Empty() {
			t.Fatalf("formatted manifest does not parse: %v\n%q", err, m.Format())
		}
		if err == nil && !bytes.Equal(back.Format(), m.Format()) {
			t.Fatalf("round trip differs")
		}
	})
}

// TestLog_GroupCommit appends from many goroutines under appendfsync
// always: every position is synced when Wait returns, the file holds every
// command exactly once, and fsyncs are fewer than appends.
func TestLog_GroupCommit(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "x.aof"))
	if err != nil {
		t.Fatal(err)
	}
	l := NewLog(f, 0, FsyncAlways)
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				pos := l.Append([]Op{{DB: w % 3, Args: [][]byte{[]byte("SET"), []byte{byte('a' + w)}, []byte{byte(i)}}}}, false)
				if err := l.Wait(pos); err != nil {
					t.Error(err)
					return
				}
				l.mu.Lock()
				synced := l.synced
				l.mu.Unlock()
				if synced < pos {
					t.Errorf("position %d not synced (%d)", pos, synced)
				}
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.Name())
	r := NewReader(bytes.NewReader(data), 0)
	sets, db := 0, -1
	for {
		args, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch string(args[0]) {
		case "SELECT":
			db = int(args[1][0] - '0')
		case "SET":
			sets++
			if w := int(args[1][0] - 'a'); w%3 != db {
				t.Fatalf("SET from writer %d in db %d", w, db)
			}
		}
	}
	if sets != writers*each {
		t.Fatalf("%d SETs, want %d", sets, writers*each)
	}
	if n := l.Fsyncs(); n >= writers*each {
		t.Errorf("%d fsyncs for %d appends: no group commit", n, writers*each)
	}
}

// TestLog_FsyncErrorIsFatal checks that a failing fsync under appendfsync
// always reaches Wait and OnFatal on both ways of calling it: holding the
// scheduler slot (after fast fsyncs) and handing it over (after a slow
// one). /dev/null takes the write and refuses the fsync (EINVAL).
func TestLog_FsyncErrorIsFatal(t *testing.T) {
	for _, last := range []time.Duration{0, time.Second} {
		w, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		l := NewLog(w, 0, FsyncAlways)
		var fatal error
		l.OnFatal = func(err error) { fatal = err }
		l.syncDur.Store(int64(last))
		pos := l.Append([]Op{{Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}}}, false)
		if err := l.Wait(pos); err == nil || fatal == nil {
			t.Errorf("last fsync %v: Wait error %v, OnFatal got %v; want the fsync error in both", last, err, fatal)
		}
		if l.Fsyncs() != 1 {
			t.Errorf("last fsync %v: %d fsyncs, want 1", last, l.Fsyncs())
		}
		w.Close()
	}
}

func TestLog_WrapAndSwitch(t *testing.T) {
	dir := t.TempDir()
	f1, _ := os.Create(filepath.Join(dir, "1"))
	l := NewLog(f1, 0, FsyncEverysec)
	set := func(k string) Op { return Op{DB: 2, Args: [][]byte{[]byte("SET"), []byte(k), []byte("v")}} }
	l.Wait(l.Append([]Op{set("a"), set("b")}, true))
	f2, _ := os.Create(filepath.Join(dir, "2"))
	if err := l.Switch(f2); err != nil {
		t.Fatal(err)
	}
	l.Append([]Op{set("c")}, false)
	l.Close()
	b1, _ := os.ReadFile(filepath.Join(dir, "1"))
	b2, _ := os.ReadFile(filepath.Join(dir, "2"))
	want1 := string(AppendSelect(nil, 2)) + string(AppendStrings(nil, "MULTI")) + string(AppendStrings(nil, "SET", "a", "v")) +
		string(AppendStrings(nil, "SET", "b", "v")) + string(AppendStrings(nil, "EXEC"))
	// A new file starts with a SELECT.
	want2 := string(AppendSelect(nil, 2)) + string(AppendStrings(nil, "SET", "c", "v"))
	if string(b1) != want1 || string(b2) != want2 {
		t.Fatalf("files:\n%q\n%q", b1, b2)
	}
}
