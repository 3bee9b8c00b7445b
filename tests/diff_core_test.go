package tests

import "testing"

// Differential cases for the protocol and connection commands.
var coreCases = []diffCase{
	{"ping", "PING", "PING hello", "PING a b"},
	{"echo", "ECHO hi", "ECHO", `ECHO ""`},
	{"unknown command", "FOO", "FOO a b", "FOO \"a\r\nb\""},
	{"select", "SELECT 1", "SELECT 16", "SELECT -1", "SELECT x", "SELECT 0"},
	{"hello", "HELLO 4", "HELLO x", "HELLO 2 SETNAME", "HELLO 2 FOO"},
}

func TestDiffCore(t *testing.T) { runDiff(t, coreCases) }
