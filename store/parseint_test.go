package store

import (
	"strconv"
	"testing"
)

// parseIntRef is Redis's string2ll rule spelled out with strconv: a
// base-10 int64 with no '+' sign, no leading zeros, no "-0".
func parseIntRef(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s[0] == '+' {
		return 0, false
	}
	if s != "0" && (s[0] == '0' || (s[0] == '-' && s[1] == '0')) {
		return 0, false
	}
	return v, true
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"", "0", "-0", "00", "01", "1", "-1", "+1", "9",
		"123456789012345678", "999999999999999999", "1234567890123456789",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "18446744073709551616", "12a", "1 ", " 1", "1\x00",
		"/", ":", "-", "99999999999999999999", "100000000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseInt([]byte(s))
		want, wantOK := parseIntRef(s)
		if ok != wantOK || got != want {
			t.Fatalf("ParseInt(%q) = %d, %v; want %d, %v", s, got, ok, want, wantOK)
		}
	})
}
