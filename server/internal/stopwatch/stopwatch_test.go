package stopwatch

import (
	"testing"
	"time"
)

func TestPeriod(t *testing.T) {
	// A 2.5 GHz counter: 0.4 ns per tick.
	p, ok := period(100*time.Millisecond, 250_000_000)
	if !ok {
		t.Fatal("2.5 GHz refused")
	}
	if got := fromTicks(2_500_000_000, p); got < 999*time.Millisecond || got > 1001*time.Millisecond {
		t.Fatalf("2.5e9 ticks at 2.5 GHz = %v, want 1s", got)
	}
	// Long spans do not overflow: an hour of ticks.
	if got := fromTicks(9_000_000_000_000, p); got < 3599*time.Second || got > 3601*time.Second {
		t.Fatalf("an hour of ticks = %v", got)
	}
	for _, bad := range []uint64{0, 1000, 1 << 50} {
		if _, ok := period(100*time.Millisecond, bad); ok {
			t.Errorf("%d ticks in 100ms accepted", bad)
		}
	}
	if _, ok := period(0, 1000); ok {
		t.Error("zero span accepted")
	}
}

// TestSinceAgreesWithMonotonicClock checks both kinds of Stamp, and one
// taken before calibration measured after it, against time.Since.
func TestSinceAgreesWithMonotonicClock(t *testing.T) {
	early := Now()
	earlyT := time.Now()
	Start()
	if counterUsable() {
		deadline := time.Now().Add(5 * time.Second)
		for nsPerTick.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("calibration did not finish in 5s")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if Now()&monoBit != 0 {
			t.Fatal("calibrated, but Now still reads the monotonic clock")
		}
		// A stamp a little ahead (another CPU's counter) is no time, not
		// an underflow into centuries.
		if d := Since(Now() + 1_000_000); d != 0 {
			t.Fatalf("Since of a stamp ahead = %v, want 0", d)
		}
	} else {
		t.Log("time-stamp counter not in use here: checking the monotonic fallback only")
	}
	s, st := Now(), time.Now()
	time.Sleep(50 * time.Millisecond)
	for _, c := range []struct {
		name  string
		stamp Stamp
		start time.Time
	}{{"current", s, st}, {"before calibration", early, earlyT}} {
		got, want := Since(c.stamp), time.Since(c.start)
		if diff := got - want; diff < -2*time.Millisecond || diff > 2*time.Millisecond {
			t.Errorf("%s stamp: Since = %v, time.Since = %v", c.name, got, want)
		}
	}
}

func BenchmarkSince(b *testing.B) {
	Start()
	time.Sleep(150 * time.Millisecond)
	s := Now()
	var sink time.Duration
	for b.Loop() {
		sink += Since(s)
	}
	_ = sink
}
