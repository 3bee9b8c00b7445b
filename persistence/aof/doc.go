// Package aof holds the append-only file's formats and its writer: the
// multi-part layout of Redis 7 (a manifest naming one base file and the
// incremental files after it), the command encoding shared with
// replication, a reader that tells a cut-off tail from corruption, and the
// log that appends effects with group commit. It knows nothing of the
// command table: the server replays what the reader returns.
package aof
