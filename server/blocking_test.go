package server

import (
	"testing"
	"time"
)

// TestParseBlockTimeout checks the timeout parsing of the blocking commands
// against what Redis 7.0.15 does with each input (seconds as a long double,
// rounded up to milliseconds; out of range values become LLONG_MIN).
func TestParseBlockTimeout(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	forever := time.Duration(-1)
	for _, tc := range []struct {
		in   string
		wait time.Duration // forever: no deadline
		err  string
	}{
		{"0", forever, ""},
		{"-0", forever, ""},
		{"-0.0001", forever, ""}, // ceil(-0.1 ms) is 0
		{"0.0001", time.Millisecond, ""},
		{"0.001", time.Millisecond, ""},
		{"1.5", 1500 * time.Millisecond, ""},
		{".5", 500 * time.Millisecond, ""},
		{"5.", 5 * time.Second, ""},
		{"+1", time.Second, ""},
		{"1e-400", time.Millisecond, ""}, // a long double keeps it
		{"0x10", 16 * time.Second, ""},
		{"0x1p-20", time.Millisecond, ""},
		{"2", 2 * time.Second, ""},
		{"-1", 0, ErrTimeoutNegative},
		{"-0.01", 0, ErrTimeoutNegative},
		{"inf", 0, ErrTimeoutNegative},
		{"-inf", 0, ErrTimeoutNegative},
		{"1e400", 0, ErrTimeoutNegative},
		{"9.3e15", 0, ErrTimeoutNegative},
		{"9223372036854776", 0, ErrTimeoutNegative},
		{"9223372036854775807", 0, ErrTimeoutNegative},
		{"nan", 0, ErrTimeoutInvalid},
		{"", 0, ErrTimeoutInvalid},
		{" 1", 0, ErrTimeoutInvalid},
		{"1 ", 0, ErrTimeoutInvalid},
		{"1_0", 0, ErrTimeoutInvalid},
		{"abc", 0, ErrTimeoutInvalid},
		{"1e", 0, ErrTimeoutInvalid},
	} {
		at, errMsg := parseBlockTimeout([]byte(tc.in), now)
		if errMsg != tc.err {
			t.Errorf("%q: error %q, want %q", tc.in, errMsg, tc.err)
			continue
		}
		if tc.err != "" {
			continue
		}
		if tc.wait == forever {
			if !at.IsZero() {
				t.Errorf("%q: deadline %v, want none", tc.in, at)
			}
			continue
		}
		if got := at.Sub(now); got != tc.wait {
			t.Errorf("%q: waits %v, want %v", tc.in, got, tc.wait)
		}
	}
	// A deadline past the clock's range wraps in C, and Redis's timeout
	// table reads it as unsigned: it never comes.
	if at, _ := parseBlockTimeout([]byte("9223372036854775"), now); !at.IsZero() {
		t.Errorf("wrapping deadline: %v", at)
	}
	// Centuries away, but representable: effectively forever.
	if at, _ := parseBlockTimeout([]byte("9e15"), now); !at.IsZero() && at.Sub(now) < 100*365*24*time.Hour {
		t.Errorf("9e15 seconds: %v", at)
	}
}
