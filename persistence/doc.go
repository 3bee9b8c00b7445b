// Package persistence holds Ember's durable formats: RDB snapshots
// (persistence/rdb) and the append-only file (persistence/aof). They attach
// to the store through narrow interfaces; the store never imports them.
//
// This package is the glue between the store and the RDB format:
//
//   - SaveLocked writes the whole dataset while a Tx holds every shard
//     (SAVE, SHUTDOWN, DEBUG RELOAD, FLUSHALL: the world is stopped, as in
//     Redis).
//   - BeginSnapshot and Snapshot.Write save a point-in-time view while
//     clients go on writing (BGSAVE): see store/snapshot.go for the
//     copy-on-write-per-key design that replaces fork.
//   - Load reads a file into an empty store, building each value with the
//     encoding Redis 7.0 gives it when loading (store.New*Value), skipping
//     keys already expired and refusing duplicates, as a Redis master does.
//   - Dump and Undump are DUMP's and RESTORE's payloads.
//   - WriteFileAtomic writes a file as Redis writes dump.rdb: a temporary
//     file in the same directory, fsynced, renamed over the target, and the
//     directory fsynced.
//
// Values are written in the plain RDB encodings, which every Redis 7.0
// loads (redis-check-rdb accepts Ember's files); files from Redis, with
// their listpack, ziplist, intset and quicklist encodings, load into Ember.
package persistence
