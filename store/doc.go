// Package store holds Ember's dataset: databases split into independently
// locked shards, the keys of each shard in a pointer-light keyspace (stable
// handles, a byte arena, an open-addressing index), the value types, expiry
// and eviction. It knows nothing of RESP or sockets: operations take bytes
// and return Go values and the errors declared in store.go.
//
// Concurrency: every operation runs under a Tx that holds the locks of the
// shards it touches (see tx.go). The dispatcher acquires them in ascending
// order, so multi-key commands and transactions are atomic and deadlock-free.
package store
