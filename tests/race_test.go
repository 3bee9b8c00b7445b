//go:build race

package tests

// Under -race the server binary the end-to-end tests start is built with
// the race detector too, so every test here also checks the server's own
// concurrency (connections, blocking, eviction, BGSAVE) for data races: a
// race makes the server exit with status 66 and print the report.
func init() { raceBuild = true }
