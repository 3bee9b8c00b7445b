package server

import (
	"testing"
	"time"
)

func TestEvictionTimeLimit(t *testing.T) {
	// evict.c's evictionTimeLimitUs: linear to 500us at 10, then a 15%
	// geometric progression, unlimited at 100.
	for _, c := range []struct {
		tenacity int64
		want     time.Duration
	}{
		{0, 0}, {1, 50 * time.Microsecond}, {10, 500 * time.Microsecond}, {11, 575 * time.Microsecond},
		{20, 2022 * time.Microsecond}, {99, 126_205_358 * time.Microsecond}, {100, time.Duration(1<<63 - 1)},
	} {
		if got := evictionTimeLimit(c.tenacity); got != c.want {
			t.Errorf("tenacity %d: %v, want %v", c.tenacity, got, c.want)
		}
	}
}
