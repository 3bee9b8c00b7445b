package aof

import "strconv"

// AppendCommand appends args as a RESP array of bulk strings, the form
// every command takes in an AOF (Redis's catAppendOnlyGenericCommand).
func AppendCommand(dst []byte, args [][]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

// AppendBulk appends one RESP bulk string.
func AppendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendStrings is AppendCommand for string arguments.
func AppendStrings(dst []byte, args ...string) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// AppendSelect appends SELECT db.
func AppendSelect(dst []byte, db int) []byte {
	return AppendStrings(dst, "SELECT", strconv.Itoa(db))
}

// AppendTimestamp appends a timestamp annotation ("#TS:<unix seconds>"),
// as aof-timestamp-enabled writes them.
func AppendTimestamp(dst []byte, unix int64) []byte {
	dst = append(dst, "#TS:"...)
	dst = strconv.AppendInt(dst, unix, 10)
	return append(dst, '\r', '\n')
}
