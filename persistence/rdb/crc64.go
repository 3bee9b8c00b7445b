package rdb

import "hash/crc64"

// Redis checksums RDB files and DUMP payloads with CRC-64/Jones (reflected
// polynomial 0xad93d23594c935a9, initial value 0, no final xor). Go's crc64
// package implements the reflected algorithm with an inverted initial value
// and final xor, which the wrappers below undo.
var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// CRC64 returns Redis's CRC-64 of p.
func CRC64(p []byte) uint64 { return UpdateCRC64(0, p) }

// UpdateCRC64 continues a Redis CRC-64 with more bytes.
func UpdateCRC64(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, jonesTable, p)
}
