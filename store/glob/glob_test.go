package glob

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// The strings every pattern below is tried against.
var globStrings = []string{
	"", "a", "b", "c", "abc", "aXc", "-", "]", "[", "\\", "*", "?", "^", "!", "hello", "hallo", "hbllo", "\x80", "\xff", "\x01", "a\\", "ab", "aa", "z", "Z", "_", "abbc", "ac", "a[b", "[a", "e", "d", "abd", "\x00", "a\x00", "b!", "b-", "bb-",
}

// Each pattern with the strings of globStrings it matches, as redis-server
// 7.0.15 answered KEYS <pattern> with exactly those strings as keys. (KEYS
// treats the pattern "*" alone as match-all, empty key included; the matcher
// itself, like Redis's stringmatchlen, never matches "" with a non-empty
// pattern.)
var globCases = []struct {
	pattern string
	matches []string
}{
	{"*", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "[a", "\\", "]", "^", "_", "a", "a\x00", "aXc", "a[b", "a\\", "aa", "ab", "abbc", "abc", "abd", "ac", "b", "b!", "b-", "bb-", "c", "d", "e", "hallo", "hbllo", "hello", "z", "\x80", "\xff"}},
	{"?", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "e", "z", "\x80", "\xff"}},
	{"a*", []string{"a", "a\x00", "aXc", "a[b", "a\\", "aa", "ab", "abbc", "abc", "abd", "ac"}},
	{"*a", []string{"[a", "a", "aa"}},
	{"a?c", []string{"aXc", "abc"}},
	{"[abc]", []string{"a", "b", "c"}},
	{"[^abc]", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "\\", "]", "^", "_", "d", "e", "z", "\x80", "\xff"}},
	{"[a-c]", []string{"a", "b", "c"}},
	{"[c-a]", []string{"a", "b", "c"}},
	{"[a-]", []string{"]", "^", "_", "a"}},
	{"[-a]", []string{"-", "a"}},
	{"[]", []string{}},
	{"[", []string{}},
	{"[a", []string{"a"}},
	{"a[", []string{}},
	{"[^]", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "e", "z", "\x80", "\xff"}},
	{"\\", []string{"\\"}},
	{"a\\", []string{"a\\"}},
	{"\\*", []string{"*"}},
	{"\\?", []string{"?"}},
	{"\\[", []string{"["}},
	{"[\\]]", []string{"]"}},
	{"[\\-]", []string{"-"}},
	{"[a\\-z]", []string{"-", "a", "z"}},
	{"**", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "[a", "\\", "]", "^", "_", "a", "a\x00", "aXc", "a[b", "a\\", "aa", "ab", "abbc", "abc", "abd", "ac", "b", "b!", "b-", "bb-", "c", "d", "e", "hallo", "hbllo", "hello", "z", "\x80", "\xff"}},
	{"*?*", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "[a", "\\", "]", "^", "_", "a", "a\x00", "aXc", "a[b", "a\\", "aa", "ab", "abbc", "abc", "abd", "ac", "b", "b!", "b-", "bb-", "c", "d", "e", "hallo", "hbllo", "hello", "z", "\x80", "\xff"}},
	{"a*b*c", []string{"abbc", "abc"}},
	{"[[]", []string{"["}},
	{"[]]", []string{}},
	{"[]a]", []string{}},
	{"[!a]", []string{"!", "a"}},
	{"[^]a]", []string{}},
	{"[a-c-e]", []string{"-", "a", "b", "c", "e"}},
	{"h[^e]llo", []string{"hallo", "hbllo"}},
	{"h[a-b]llo", []string{"hallo", "hbllo"}},
	{"*\\", []string{"\\", "a\\"}},
	{"[\\", []string{"\\"}},
	{"[\x80-\xff]", []string{"\x80", "\xff"}},
	{"[\x01-\xff]", []string{"\x00", "\x01", "\xff"}},
	{"[\xff-\x01]", []string{"\x00", "\x01", "\xff"}},
	{"\xff", []string{"\xff"}},
	{"?\x80", []string{}},
	{"[^", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "e", "z", "\x80", "\xff"}},
	{"[^a", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "\\", "]", "^", "_", "b", "c", "d", "e", "z", "\x80", "\xff"}},
	{"a[b", []string{"ab"}},
	{"[a-", []string{"-", "a"}},
	{"[ab", []string{"a", "b"}},
	{"\\a\\b\\c", []string{"abc"}},
	{"a*\\", []string{"a\\"}},
	{"*[", []string{}},
	{"[*]", []string{"*"}},
	{"[?]", []string{"?"}},
	{"[\\\\]", []string{"\\"}},
	{"[z-a]", []string{"a", "b", "c", "d", "e", "z"}},
	{"[A-z]", []string{"Z", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "e", "z"}},
	{"[a-Z]", []string{"Z", "[", "\\", "]", "^", "_", "a"}},
	{"??", []string{"[a", "a\x00", "a\\", "aa", "ab", "ac", "b!", "b-"}},
	{"???*", []string{"aXc", "a[b", "abbc", "abc", "abd", "bb-", "hallo", "hbllo", "hello"}},
	{"*b*", []string{"a[b", "ab", "abbc", "abc", "abd", "b", "b!", "b-", "bb-", "hbllo"}},
	{"[a-c]b[!-]", []string{"bb-"}},
	{"a*?", []string{"a\x00", "aXc", "a[b", "a\\", "aa", "ab", "abbc", "abc", "abd", "ac"}},
	{"*??c", []string{"aXc", "abbc", "abc"}},
	{"\x00", []string{"\x00"}},
	{"a\x00", []string{"a\x00"}},
	{"[\x00-a]", []string{"\x00", "\x01", "!", "*", "-", "?", "Z", "[", "\\", "]", "^", "_", "a"}},
}

func TestMatch_Redis(t *testing.T) {
	for _, c := range globCases {
		for _, s := range globStrings {
			want := slices.Contains(c.matches, s)
			if got := Match([]byte(c.pattern), []byte(s)); got != want {
				t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, s, got, want)
			}
			if got := MatchString(c.pattern, s); got != want {
				t.Errorf("MatchString(%q, %q) = %v, want %v", c.pattern, s, got, want)
			}
		}
	}
}

func TestMatchFold(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"HELLO", "hello", true},
		{"h*O", "HellO", true},
		{"[A-C]x", "bX", true},
		{"[a-c]", "B", true},
		{"[^a-c]", "B", false},
		{"[XYZ]", "y", true},
		{"\\A", "a", true}, // an escaped character still compares without case
		{"[\\A]", "a", false},
		{"maxmemory*", "MAXMEMORY-policy", true},
		{"a?c", "AbC", true},
		{"abc", "abd", false},
	}
	for _, c := range cases {
		if got := MatchFold([]byte(c.pattern), []byte(c.s)); got != c.want {
			t.Errorf("MatchFold(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}

// Patterns with many stars against long strings that do not match must not
// take exponential time (Redis 7.0's skipLongerMatches, CVE-2022-36021).
func TestMatch_Pathological(t *testing.T) {
	s := bytes.Repeat([]byte("a"), 5000)
	patterns := []string{
		"a*a*a*a*a*a*a*a*b",
		strings.Repeat("*a", 50) + "b",
		strings.Repeat("*?", 30) + "[b]",
	}
	for _, p := range patterns {
		start := time.Now()
		if Match([]byte(p), s) {
			t.Fatalf("%q matched", p)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%q took %v", p, d)
		}
	}
	if !Match([]byte("a*a*a*a*a*a*a*a*"), s) {
		t.Fatal("should match")
	}
}

func FuzzMatch(f *testing.F) {
	for _, c := range globCases {
		f.Add(c.pattern, "abc")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return
		}
		Match([]byte(pattern), []byte(s))
		MatchFold([]byte(pattern), []byte(s))
	})
}
