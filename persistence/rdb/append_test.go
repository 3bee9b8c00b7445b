package rdb

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
)

// smallInt accepts exactly what Redis integer-encodes: canonical decimal
// int32 values.
func TestSmallInt_MatchesCanonicalInt32(t *testing.T) {
	cases := []string{"0", "-0", "00", "01", "-1", "+1", "2147483647", "2147483648", "-2147483648", "-2147483649", "12a", "-", " 1", "1 ", "99999999999", "-1000000000"}
	r := rand.New(rand.NewPCG(1, 1))
	for range 20000 {
		b := make([]byte, 1+r.IntN(11))
		for i := range b {
			b[i] = "0123456789-+a"[r.IntN(13)]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		v, err := strconv.ParseInt(s, 10, 32)
		want := err == nil && strconv.FormatInt(v, 10) == s
		got, ok := smallInt([]byte(s))
		if ok != want || (ok && got != v) {
			t.Fatalf("smallInt(%q) = %d %v, want %d %v", s, got, ok, v, want)
		}
	}
}

// AppendString's output reads back as the same string, compressed or not,
// and matches Writer.String.
func TestAppendString_RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for i := range 3000 {
		n := r.IntN(300)
		s := make([]byte, n)
		for j := range s {
			s[j] = "ab0123456789-"[r.IntN(3+10*(i%2))]
		}
		prefix := []byte("xyz")
		out := AppendString(append([]byte(nil), prefix...), s, true)
		if !bytes.HasPrefix(out, prefix) {
			t.Fatal("prefix lost")
		}
		var buf bytes.Buffer
		w := NewWriter(&buf, true)
		w.String(s)
		w.w.Flush()
		if !bytes.Equal(buf.Bytes()[9:], out[3:]) {
			t.Fatalf("AppendString and Writer.String differ for %q", s)
		}
		got, err := newBytesReader(out[3:]).str()
		if err != nil || !bytes.Equal(got, s) {
			t.Fatalf("round trip of %q: %q %v", s, got, err)
		}
	}
}
