package stopwatch

const hasCounter = true

// counter reads the time-stamp counter (RDTSC).
func counter() uint64
