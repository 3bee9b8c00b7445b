// Package persistence holds Ember's durable formats: RDB snapshots
// (persistence/rdb) and the append-only file (persistence/aof). They attach
// to the store through narrow interfaces; the store never imports them.
package persistence
