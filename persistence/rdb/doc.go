// Package rdb reads and writes Redis's RDB format, version 10 (what Redis
// 7.0 writes), and DUMP/RESTORE payloads.
//
// The reader accepts every value encoding Redis 7.0 can write or still loads
// (plain, ziplist, listpack, intset, zipmap, quicklist and quicklist2 lists),
// with LZF-compressed and integer-encoded strings, and checks the CRC-64
// trailer. The writer emits the plain encodings, which every Redis 7.0 loads.
// Values are exchanged as Entry/Value, a small model independent of the store.
//
// Every length in a file is untrusted: nothing is allocated in proportion to
// a length before the bytes it announces have actually been read.
package rdb
