package aof

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// redisSkipsTail checks data[from:] the way Redis 7.0's loader and
// redis-check-aof read it: lines read with fgets into 1024 bytes, each of
// which must start with '#' to be skipped as an annotation.
func redisSkipsTail(data []byte, from int64) error {
	rest := data[from:]
	for len(rest) > 0 {
		n := bytes.IndexByte(rest, '\n') + 1
		if n == 0 {
			n = len(rest)
		}
		if n > 1023 {
			return fmt.Errorf("line of %d bytes at %d: fgets would split it", n, len(data)-len(rest))
		}
		if rest[0] != '#' {
			return fmt.Errorf("line at %d starts with %q, not '#'", len(data)-len(rest), rest[0])
		}
		rest = rest[n:]
	}
	return nil
}

// readAll returns the commands of data as strings, failing on any error.
func readAll(t *testing.T, data []byte) []string {
	t.Helper()
	r := NewReader(bytes.NewReader(data), 0)
	var out []string
	for {
		args, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading the file: %v", err)
		}
		var b strings.Builder
		for i, a := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.Write(a)
		}
		out = append(out, b.String())
	}
}

func setOp(k, v string) Op { return Op{Args: [][]byte{[]byte("SET"), []byte(k), []byte(v)}} }

// checkFile checks the invariants of a log's file after a Wait: the file
// reads as exactly the commands logged, PadStart finds where they end, and
// everything after them is annotations Redis skips.
func checkFile(t *testing.T, l *Log, path string, want []string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	content := l.FileSize()
	if int64(len(data)) < content {
		t.Fatalf("file has %d bytes, the log wrote %d", len(data), content)
	}
	start, err := PadStart(bytes.NewReader(data), int64(len(data)))
	if err != nil || start != content {
		t.Fatalf("PadStart = %d, %v; the commands end at %d", start, err, content)
	}
	if err := redisSkipsTail(data, content); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, data)
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("file holds %d commands, want %d:\n%q\n%q", len(got), len(want), got, want)
	}
	return data
}

// TestReserve_EveryBatchLeavesALoadableFile appends batches of many sizes
// under appendfsync always (small ones that land inside the reserve, ones
// that end on or next to its last byte, ones larger than it) and checks the
// file after each; then everysec writes into what is left of the reserve
// without extending it, and Close cuts it off.
func TestReserve_EveryBatchLeavesALoadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incr")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	l := NewLog(f, 0, FsyncAlways)
	want := []string{"SELECT 0"} // the log's first append selects the database
	add := func(k string, vlen int) {
		v := strings.Repeat("v", vlen)
		if err := l.Wait(l.Append([]Op{setOp(k, v)}, false)); err != nil {
			t.Fatal(err)
		}
		want = append(want, "SET "+k+" "+v)
	}
	add("first", 1)
	if st, _ := os.Stat(path); st.Size() < reserveChunk {
		t.Fatalf("file is %d bytes after a batch under always: no reserve", st.Size())
	}
	for i := range 200 {
		add(fmt.Sprint("k", i), i*37%900)
		checkFile(t, l, path, want)
	}
	// Land the end of a batch on each of the last bytes of the reserve.
	landed := 0
	for gap := int64(3); gap >= -2; gap-- {
		add("x", reserveChunk-reserveLow) // leaves less than reserveLow: the next batch extends
		add("y", 1)
		remaining := l.reserved - l.FileSize()
		// A SET with a key of 1 byte and a value of n bytes takes 25+len(n)+n bytes.
		for n := int64(0); n < remaining; n++ {
			if 25+int64(len(fmt.Sprint(n)))+n == remaining-gap {
				l.noExtend = true // keep this reserve
				add("z", int(n))
				checkFile(t, l, path, want)
				l.noExtend = false
				landed++
				break
			}
		}
	}
	if landed != 6 {
		t.Fatalf("only %d batches landed at the end of the reserve", landed)
	}
	add("huge", 3*reserveChunk)
	checkFile(t, l, path, want)
	add("after", 10)
	checkFile(t, l, path, want)

	l.SetPolicy(FsyncEverysec)
	before := l.reserved
	for i := range 50 {
		add(fmt.Sprint("e", i), 100)
	}
	checkFile(t, l, path, want)
	if l.reserved != before {
		t.Fatalf("everysec moved the reserve from %d to %d", before, l.reserved)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.HasSuffix(data, []byte("\r\n")) || int64(len(data)) != l.fileSize {
		t.Fatalf("closed file: %d bytes (logged %d), ends %q", len(data), l.fileSize, data[max(0, len(data)-8):])
	}
	if got := readAll(t, data); len(got) != len(want) {
		t.Fatalf("closed file holds %d commands, want %d", len(got), len(want))
	}
}

// TestReserve_SwitchCutsTheOldFile: a rewrite's switch leaves the old file
// ending with its last command.
func TestReserve_SwitchCutsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	f1, _ := os.Create(filepath.Join(dir, "1"))
	l := NewLog(f1, 0, FsyncAlways)
	l.Wait(l.Append([]Op{setOp("a", "1")}, false))
	f2, _ := os.Create(filepath.Join(dir, "2"))
	if err := l.Switch(f2); err != nil {
		t.Fatal(err)
	}
	l.Wait(l.Append([]Op{setOp("b", "2")}, false))
	old, _ := os.ReadFile(filepath.Join(dir, "1"))
	if want := string(AppendSelect(nil, 0)) + string(AppendStrings(nil, "SET", "a", "1")); string(old) != want {
		t.Fatalf("old file %q, want %q", old, want)
	}
	checkFile(t, l, filepath.Join(dir, "2"), []string{"SELECT 0", "SET b 2"})
	l.Close()
}

// TestReserve_TornWrite: a process killed in the middle of a write leaves
// a prefix of the batch over the reserve. For every length of that prefix
// the failing command is recognised as torn, and nothing else is: a
// corrupt command followed by whole ones, or a file without a reserve.
func TestReserve_TornWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "incr")
	f, _ := os.Create(path)
	l := NewLog(f, 0, FsyncAlways)
	l.Wait(l.Append([]Op{setOp("a", "1"), setOp("b", "22")}, true))
	at := l.FileSize()
	image, _ := os.ReadFile(path)
	l.Close()

	batch := AppendCommand(AppendCommand(nil, [][]byte{[]byte("SET"), []byte("c"), []byte("33 #")}),
		[][]byte{[]byte("RPUSH"), []byte("l"), []byte("x\r\n")})
	tornSeen := 0
	for k := 1; k <= len(batch); k++ {
		torn := bytes.Clone(image)
		copy(torn[at:], batch[:k])
		rd := bytes.NewReader(torn)
		r := NewReader(bytes.NewReader(torn), 0)
		var err error
		for err == nil {
			_, err = r.Next()
		}
		if err == io.EOF {
			// The cut fell where the rest still reads as annotations.
			continue
		}
		ok, terr := TornOverPad(rd, int64(len(torn)), r.Start())
		if terr != nil || !ok {
			t.Fatalf("prefix of %d bytes: reader stopped at %d with %v; TornOverPad = %v, %v", k, r.Start(), err, ok, terr)
		}
		if r.Start() < at {
			t.Fatalf("prefix of %d bytes: failed at %d, before the batch at %d", k, r.Start(), at)
		}
		tornSeen++
	}
	if tornSeen < len(batch)-2 {
		t.Fatalf("only %d of %d prefixes made the reader fail", tornSeen, len(batch))
	}

	// A bad command in the middle, whole commands after it: corrupt.
	bad := bytes.Clone(image)
	copy(bad[at:], append([]byte("*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$9\r\n33\r\n"), AppendStrings(nil, "SET", "d", "4")...))
	if ok, _ := TornOverPad(bytes.NewReader(bad), int64(len(bad)), at); ok {
		t.Fatal("a corrupt command followed by a whole one counted as torn")
	}
	// No reserve: a parse error is never torn.
	plain := append(image[:at:at], "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3xx"...)
	if ok, _ := TornOverPad(bytes.NewReader(plain), int64(len(plain)), at); ok {
		t.Fatal("a file without a reserve counted as torn")
	}
}

// TestPadStart_FilesWithoutReserve: files Redis writes, or that end in
// annotations of their own, keep every byte.
func TestPadStart_FilesWithoutReserve(t *testing.T) {
	cmd := string(AppendStrings(nil, "SET", "k", "v #  "))
	for _, tc := range []struct {
		data string
		want int
	}{
		{"", 0},
		{cmd, len(cmd)},
		{cmd + "#TS:1700000000\r\n", len(cmd) + 16},
		{cmd + "# note\n", len(cmd) + 7},
		{cmd + "#", len(cmd)},
		{cmd + "#  \n#   \n", len(cmd)},
		{cmd + "##  \n#\n", len(cmd)},
		{"#   \n#\n", 0},
		{cmd + "   \n#  \n", len(cmd) + 8}, // not a reserve: a line of spaces
		{cmd + "\n", len(cmd) + 1},
	} {
		got, err := PadStart(strings.NewReader(tc.data), int64(len(tc.data)))
		if err != nil || got != int64(tc.want) {
			t.Errorf("PadStart(%q) = %d, %v; want %d", tc.data, got, err, tc.want)
		}
	}
}

// TestReader_AnnotationAtEndWithoutNewline: Redis's fgets returns the last
// line without its newline and the loader skips it as an annotation.
func TestReader_AnnotationAtEndWithoutNewline(t *testing.T) {
	data := string(AppendStrings(nil, "SET", "k", "v")) + "#   "
	r := NewReader(strings.NewReader(data), 0)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the command: %v, want io.EOF", err)
	}
	if r.Offset() != int64(len(data)) {
		t.Fatalf("Offset %d, want %d", r.Offset(), len(data))
	}
}

// FuzzReserveScan: PadStart and TornOverPad on any bytes stay in bounds,
// and what PadStart cuts off is a run of reserve lines.
func FuzzReserveScan(f *testing.F) {
	f.Add([]byte("*1\r\n$4\r\nPING\r\n#   \n#  \n"), int64(0))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv  \n#   \n"), int64(0))
	f.Add([]byte("   \n"), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, at int64) {
		size := int64(len(data))
		s, err := PadStart(bytes.NewReader(data), size)
		if err != nil || s < 0 || s > size {
			t.Fatalf("PadStart = %d, %v for %d bytes", s, err, size)
		}
		if s < size {
			if data[s] != '#' || (s > 0 && data[s-1] != '\n') {
				t.Fatalf("reserve at %d does not start a '#' line: %q", s, data)
			}
			for _, c := range data[s:] {
				if !isPadByte(c) {
					t.Fatalf("reserve at %d holds %q", s, c)
				}
			}
		}
		if size > 0 {
			at = (at%size + size) % size
			_, _ = TornOverPad(bytes.NewReader(data), size, at)
		}
	})
}

// countingReaderAt counts ReadAt calls.
type countingReaderAt struct {
	r     io.ReaderAt
	calls int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.calls++
	return c.r.ReadAt(p, off)
}

// TestPadStart_LongLineReadInChunks: a run of reserve bytes that starts
// inside a long line is skipped in chunks, not a byte at a time.
func TestPadStart_LongLineReadInChunks(t *testing.T) {
	cmd := string(AppendStrings(nil, "SET", "k", "v"))
	data := cmd + "x" + strings.Repeat(" ", 1<<20) + "\n#   \n"
	r := &countingReaderAt{r: strings.NewReader(data)}
	got, err := PadStart(r, int64(len(data)))
	if want := int64(len(data) - 5); err != nil || got != want {
		t.Fatalf("PadStart = %d, %v; want %d", got, err, want)
	}
	if r.calls > 1000 {
		t.Fatalf("%d reads for a 1 MB line", r.calls)
	}
}

// TestPadFor: reserve lines start with '#' and end on multiples of padLine
// in the file (so a write cut at a page boundary leaves whole lines), the
// first one at least "#\n" long.
func TestPadFor(t *testing.T) {
	for from := int64(0); from < 3*padLine; from++ {
		to := (from/padLine + 4) * padLine
		pad := padFor(from, to)
		if int64(len(pad)) != to-from {
			t.Fatalf("padFor(%d, %d): %d bytes", from, to, len(pad))
		}
		lineStart := from
		for i, c := range pad {
			at := from + int64(i)
			switch {
			case at == lineStart && c != '#':
				t.Fatalf("padFor(%d, %d): line at %d starts with %q", from, to, at, c)
			case c == '\n':
				if (at+1)%padLine != 0 || at-lineStart < 1 {
					t.Fatalf("padFor(%d, %d): line %d..%d", from, to, lineStart, at)
				}
				lineStart = at + 1
			case at != lineStart && c != ' ':
				t.Fatalf("padFor(%d, %d): %q at %d", from, to, c, at)
			}
		}
		if lineStart != to {
			t.Fatalf("padFor(%d, %d) ends inside a line", from, to)
		}
	}
}
