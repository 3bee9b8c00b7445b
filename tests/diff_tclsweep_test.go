package tests

import "testing"

// Divergences found by running Redis 7.0.15's Tcl suite against Ember, one
// case each (the Tcl test named in the case).
func TestDiffTclSweep(t *testing.T) {
	str := quoted(payload(0, 3, 'b', 'a', 'r'))
	runDiff(t, []diffCase{
		// unit/dump "RESTORE can set LFU": the counter keeps its value (its
		// decrement time is now), and IDLETIME under LFU leaves a new key's.
		{"restore freq under lfu", "CONFIG SET maxmemory-policy allkeys-lfu",
			"RESTORE foo 0 " + str + " FREQ 100", "OBJECT FREQ foo", "GET foo",
			"RESTORE foo2 0 " + str + " IDLETIME 100", "OBJECT FREQ foo2",
			"RESTORE foo3 0 " + str, "OBJECT FREQ foo3",
			"RESTORE foo4 0 " + str + " FREQ 0", "OBJECT FREQ foo4",
			"RESTORE foo5 0 " + str + " FREQ 255", "OBJECT FREQ foo5",
			"CONFIG SET maxmemory-policy noeviction"},
	})
}
