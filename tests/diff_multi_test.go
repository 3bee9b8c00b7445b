package tests

import "testing"

// Differential cases for transactions.
var multiCases = []diffCase{
	{"multi exec", "MULTI", "SET a 1", "INCR a", "GET a", "EXEC", "GET a"},
	{"empty exec", "MULTI", "EXEC"},
	{"nested multi", "MULTI", "MULTI", "SET a 1", "EXEC"},
	{"exec without multi", "EXEC"},
	{"discard without multi", "DISCARD"},
	{"discard", "MULTI", "SET a 1", "DISCARD", "GET a", "EXEC"},
	{"queue-time unknown command aborts", "MULTI", "SET a 1", "NOSUCHCMD x", "SET b 2", "EXEC", "GET a"},
	{"queue-time arity error aborts", "MULTI", "SET a", "EXEC", "GET a"},
	{"run-time errors do not roll back", "SET s str", "MULTI", "SET a 1", "INCR s", "SET b 2", "EXEC", "GET a", "GET b"},
	{"watch inside multi", "MULTI", "WATCH a", "EXEC"},
	{"watch unchanged key", "WATCH a", "MULTI", "SET a 1", "EXEC"},
	{"unwatch", "WATCH a", "UNWATCH", "MULTI", "PING", "EXEC"},
	{"select inside multi", "MULTI", "SELECT 2", "SET k v", "EXEC", "GET k", "SELECT 2", "GET k", "SELECT 0"},
	{"resp3 exec", "!HELLO 3", "MULTI", "SET a 1", "GET a", "HGETALL nope", "EXEC"},
	{"unwatch queued", "MULTI", "UNWATCH", "EXEC"},
	{"scan and keys inside exec", "SET a 1", "MULTI", "SCAN 0 COUNT 100", "KEYS *", "DBSIZE", "EXEC"},
}

func TestDiffMulti(t *testing.T) { runDiff(t, multiCases) }
