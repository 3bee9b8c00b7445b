// Package server is Ember's RESP front end: connections (read, parse with
// redcon, dispatch, reply), client state, the command table and the command
// handlers, one file per family (cmd_string.go, cmd_keyspace.go, ...).
//
// Request flow: conn.go reads and splits requests (protocol.go guards
// redcon's parser with Redis's limits), dispatch.go looks the command up,
// checks arity and authentication, locks the shards of its keys (store.Tx)
// and runs the handler, which replies through Reply (reply.go) in RESP2 or
// RESP3. Every change a handler makes is reported through effects.go.
package server
