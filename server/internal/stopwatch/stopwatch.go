// Package stopwatch measures the short durations of commands. Every command's
// duration is measured (INFO commandstats, SLOWLOG, LATENCY), so the clock
// read is on the path of every request: Go's monotonic clock costs ~25 ns
// per read through the vDSO, the CPU's time-stamp counter ~10 ns. The
// counter is used only where the kernel itself keeps time with it
// (clocksource tsc: invariant and synchronised across CPUs) and once its
// rate has been calibrated against the monotonic clock; until then, and
// everywhere else, Stamps come from the monotonic clock.
package stopwatch

import (
	"math/bits"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A Stamp is a point in time for Since. Stamps of the two clocks are told
// apart by the top bit, so one taken before calibration finished is still
// measured right after it.
type Stamp uint64

const monoBit = 1 << 63

var (
	origin = time.Now() // monotonic Stamps count from here
	// nsPerTick is the counter's period in nanoseconds as 32.32 fixed
	// point; 0 while the counter is not in use.
	nsPerTick atomic.Uint64
	once      sync.Once
)

// Now returns the current Stamp.
func Now() Stamp {
	if nsPerTick.Load() != 0 {
		return Stamp(counter() &^ monoBit)
	}
	return Stamp(uint64(time.Since(origin)) | monoBit)
}

// Since returns the time elapsed since s.
func Since(s Stamp) time.Duration {
	if s&monoBit != 0 {
		return time.Since(origin) - time.Duration(s&^monoBit)
	}
	now := counter() &^ monoBit
	if now < uint64(s) {
		return 0 // counters in step across CPUs can still differ by a few ticks
	}
	return fromTicks(now-uint64(s), nsPerTick.Load())
}

// fromTicks converts a tick count with a 32.32 fixed-point period.
func fromTicks(n, period uint64) time.Duration {
	hi, lo := bits.Mul64(n, period)
	return time.Duration(hi<<32 | lo>>32)
}

// Start calibrates the counter in the background and switches Now to it
// when it can be trusted. Calling it more than once does nothing.
func Start() {
	once.Do(func() {
		if !counterUsable() {
			return
		}
		go calibrate(100 * time.Millisecond)
	})
}

// calibrate measures the counter's rate over span against the monotonic
// clock.
func calibrate(span time.Duration) {
	t0, c0 := time.Now(), counter()
	time.Sleep(span)
	t1, c1 := time.Now(), counter()
	if p, ok := period(t1.Sub(t0), c1-c0); ok {
		nsPerTick.Store(p)
	}
}

// period is the 32.32 fixed-point period of a counter that advanced by n
// ticks in d, if it is plausible (a counter between 100 MHz and 10 GHz).
func period(d time.Duration, n uint64) (uint64, bool) {
	if d <= 0 || n == 0 {
		return 0, false
	}
	hz := float64(n) / d.Seconds()
	if hz < 1e8 || hz > 1e10 {
		return 0, false
	}
	return uint64(float64(d.Nanoseconds()) / float64(n) * (1 << 32)), true
}

// counterUsable reports whether this machine's kernel keeps time with the
// counter, which it does only after checking it is invariant and in step
// on every CPU.
func counterUsable() bool {
	if !hasCounter {
		return false
	}
	b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource")
	return err == nil && strings.TrimSpace(string(b)) == "tsc"
}
