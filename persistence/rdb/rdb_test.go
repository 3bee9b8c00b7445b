package rdb

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestCRC64_KnownVector(t *testing.T) {
	if got := CRC64([]byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("CRC64 = %x, want e9c6d914c4b8d9ca", got)
	}
	// Incremental use gives the same result.
	if got := UpdateCRC64(CRC64([]byte("1234")), []byte("56789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("incremental CRC64 = %x", got)
	}
}

func TestLZF_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{
		bytes.Repeat([]byte("a"), 1000),
		bytes.Repeat([]byte("hello world "), 500),
		[]byte("abcabcabcabcabcabcabcabcabcabcabcabc"),
	}
	for i := 0; i < 200; i++ {
		n := r.IntN(5000)
		b := make([]byte, n)
		alphabet := 1 + r.IntN(20)
		for j := range b {
			b[j] = byte('a' + r.IntN(alphabet))
		}
		inputs = append(inputs, b)
	}
	compressed := 0
	for _, in := range inputs {
		c := lzfCompress(in, len(in)-4)
		if c == nil {
			continue
		}
		compressed++
		out, err := lzfDecompress(c, len(in))
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("round trip failed for %d bytes: %v", len(in), err)
		}
	}
	if compressed < len(inputs)/2 {
		t.Fatalf("only %d of %d compressible inputs compressed", compressed, len(inputs))
	}
}

func TestLZF_RejectsBadInput(t *testing.T) {
	for _, in := range [][]byte{{0x05, 'a'}, {0x20, 0x05}, {0xE0}, {0x00, 'a', 0x20, 0x10}} {
		if _, err := lzfDecompress(in, 10); err == nil {
			t.Errorf("lzfDecompress(%x) accepted corrupt input", in)
		}
	}
}

// collector is a Handler that keeps everything.
type collector struct {
	aux     map[string]string
	entries []Entry
}

func (c *collector) Aux(k, v []byte) error {
	if c.aux == nil {
		c.aux = map[string]string{}
	}
	c.aux[string(k)] = string(v)
	return nil
}

func (c *collector) Entry(e *Entry) error {
	c.entries = append(c.entries, *e)
	return nil
}

func sampleEntries() []Entry {
	big := bytes.Repeat([]byte("x"), 100000)
	return []Entry{
		{DB: 0, Key: []byte("s"), Value: Value{Kind: KindString, Str: []byte("hello")}, Idle: -1, Freq: -1},
		{DB: 0, Key: []byte("int"), Value: Value{Kind: KindString, Str: []byte("-12345")}, Idle: -1, Freq: -1},
		{DB: 0, Key: []byte("big"), Value: Value{Kind: KindString, Str: big}, ExpireMs: 4102444800000, Idle: -1, Freq: -1},
		{DB: 0, Key: []byte("notint"), Value: Value{Kind: KindString, Str: []byte("007")}, Idle: -1, Freq: -1},
		{DB: 1, Key: []byte("l"), Value: Value{Kind: KindList, Elems: [][]byte{[]byte("a"), []byte("1"), []byte("")}}, Idle: 10, Freq: -1},
		{DB: 1, Key: []byte("set"), Value: Value{Kind: KindSet, Elems: [][]byte{[]byte("m1"), []byte("2")}}, Idle: -1, Freq: 5},
		{DB: 2, Key: []byte("z"), Value: Value{Kind: KindZSet, ZSet: []ZMember{{[]byte("a"), 1.5}, {[]byte("b"), math.Inf(1)}, {[]byte("c"), -0.1}}}, Idle: -1, Freq: -1},
		{DB: 2, Key: []byte("h"), Value: Value{Kind: KindHash, Pairs: [][2][]byte{{[]byte("f"), []byte("v")}, {[]byte("n"), []byte("42")}}}, Idle: -1, Freq: -1},
	}
}

func writeFile(t *testing.T, entries []Entry, compress bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, compress)
	w.Aux("redis-ver", "7.0.15")
	db := -1
	for i := range entries {
		if entries[i].DB != db {
			db = entries[i].DB
			w.SelectDB(db, 1, 0)
		}
		w.Entry(&entries[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriterReader_RoundTrip(t *testing.T) {
	for _, compress := range []bool{false, true} {
		entries := sampleEntries()
		file := writeFile(t, entries, compress)
		var c collector
		if err := Load(bytes.NewReader(file), &c); err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		if c.aux["redis-ver"] != "7.0.15" {
			t.Errorf("aux = %v", c.aux)
		}
		if !reflect.DeepEqual(c.entries, entries) {
			t.Fatalf("compress=%v: entries differ\n got %+v\nwant %+v", compress, c.entries, entries)
		}
	}
}

func TestLoad_DetectsCorruption(t *testing.T) {
	file := writeFile(t, sampleEntries(), true)
	// Flip each byte in turn (bounded): never a panic, and any change to
	// the body is caught (by parsing or by the checksum).
	for i := 9; i < len(file); i += 1 + len(file)/500 {
		bad := append([]byte(nil), file...)
		bad[i] ^= 0x5a
		var c collector
		if err := Load(bytes.NewReader(bad), &c); err == nil {
			t.Fatalf("flipped byte %d went unnoticed", i)
		}
	}
	// Truncation at every length.
	for n := 0; n < len(file); n += 1 + len(file)/300 {
		var c collector
		if err := Load(bytes.NewReader(file[:n]), &c); err == nil {
			t.Fatalf("file cut at %d bytes loaded", n)
		}
	}
}

func TestLoad_HugeLengthsDoNotAllocate(t *testing.T) {
	// A string claiming 2^32 bytes followed by nothing: an error, quickly.
	var buf bytes.Buffer
	buf.WriteString("REDIS0010")
	buf.Write([]byte{0x00, 0x01, 'k', 0x81, 0, 0, 0, 1, 0, 0, 0, 0})
	var c collector
	if err := Load(&buf, &c); err == nil {
		t.Fatal("accepted a string longer than the file")
	}
}

func TestDump_RoundTripAndChecks(t *testing.T) {
	for _, e := range sampleEntries() {
		p := EncodeDump(&e.Value)
		v, err := DecodeDump(p)
		if err != nil {
			t.Fatalf("%s: %v", e.Key, err)
		}
		if !reflect.DeepEqual(v, e.Value) {
			t.Fatalf("%s: got %+v want %+v", e.Key, v, e.Value)
		}
		bad := append([]byte(nil), p...)
		bad[0] ^= 1
		if _, err := DecodeDump(bad); err != ErrBadPayload {
			t.Fatalf("%s: corrupt payload: err = %v", e.Key, err)
		}
		newer := append([]byte(nil), p...)
		newer[len(newer)-10] = 11
		if _, err := DecodeDump(newer); err != ErrBadPayload {
			t.Fatalf("%s: future version accepted: %v", e.Key, err)
		}
	}
}

// Encodings built by hand, in the layouts Redis writes.
func TestParseListpack(t *testing.T) {
	// Elements: "a" (6-bit str), 5 (7-bit uint), -3 (13-bit), 1000 (13-bit),
	// 100000 (int24), a 70-byte string (12-bit str).
	long := bytes.Repeat([]byte("z"), 70)
	var body []byte
	add := func(enc []byte) {
		body = append(body, enc...)
		body = append(body, byte(len(enc))) // back-length for short entries
	}
	add([]byte{0x81, 'a'})
	add([]byte{0x05})
	add([]byte{0xC0 | 0x1f, 0xfd}) // -3 in 13 bits
	add([]byte{0xC0 | 0x03, 0xe8}) // 1000
	add([]byte{0xF2, 0xa0, 0x86, 0x01})
	add(append([]byte{0xE0, 70}, long...))
	lp := make([]byte, 6)
	lp = append(lp, body...)
	lp = append(lp, 0xFF)
	lp[0], lp[1], lp[2], lp[3] = byte(len(lp)), byte(len(lp)>>8), 0, 0
	lp[4], lp[5] = 6, 0
	var got []string
	if err := parseListpack(lp, func(e []byte) error { got = append(got, string(e)); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "5", "-3", "1000", "100000", string(long)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestParseZiplistAndIntset(t *testing.T) {
	// Ziplist: "ab", immediate 7, int16 -2.
	body := []byte{0x00, 0x02, 'a', 'b', 0x04, 0xF8, 0x02, 0xC0, 0xfe, 0xff}
	zl := make([]byte, 10)
	zl = append(zl, body...)
	zl = append(zl, 0xFF)
	zl[0] = byte(len(zl))
	zl[8] = 3
	var got []string
	if err := parseZiplist(zl, func(e []byte) error { got = append(got, string(e)); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[ab 7 -2]" {
		t.Fatalf("ziplist got %q", got)
	}
	is := []byte{2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 1, 0, 0, 1}
	got = nil
	if err := parseIntset(is, func(e []byte) error { got = append(got, string(e)); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[-1 1 256]" {
		t.Fatalf("intset got %q", got)
	}
}
