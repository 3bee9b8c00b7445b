package server

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// FuzzReqReader feeds arbitrary bytes to the request parser. It must never
// panic; parsing in one piece or in small chunks must give the same
// requests and the same error; and every request it yields, encoded again
// as RESP and parsed, must give back the same arguments.
//
// The seed corpus is in testdata/fuzz/FuzzReqReader; crashers found by
// `go test -fuzz` land there too and stay as regression cases.
func FuzzReqReader(f *testing.F) {
	for _, s := range []string{
		"*1\r\n$4\r\nPING\r\n",
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		"PING\r\n",
		"SET \"a\\x41\" 'b\\'c'\n",
		"*1\r\n$9223372036854775807\r\nx\r\n",
		"*9223372036854775807\r\n",
		"*-10\r\n\r\n",
		"*1\r\nfoo\r\n",
		"*1\rX$1\rYa..",
		"ECHO \"unbalanced\r\n",
	} {
		f.Add([]byte(s), uint16(0))
		f.Add([]byte(s), uint16(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		lim := limits{maxBulk: 1 << 20, maxQueryBuf: 1 << 30}
		whole, wholeErr := parseAll(data, len(data)+1, lim)
		if chunk > 0 && len(data) < inlineMaxSize {
			// The 64 KB limits depend on how input arrives (as in Redis);
			// below them the outcome must not.
			parts, partsErr := parseAll(data, int(chunk), lim)
			if fmt.Sprintf("%q", parts) != fmt.Sprintf("%q", whole) || protoErrMsg(partsErr) != protoErrMsg(wholeErr) {
				t.Fatalf("chunk %d: %q %v\nwhole: %q %v", chunk, parts, partsErr, whole, wholeErr)
			}
		}
		for _, req := range whole {
			if len(req) == 0 {
				t.Fatalf("empty request yielded")
			}
			enc := encodeRESP(req)
			again, err := parseAll(enc, len(enc)+1, lim)
			if err != nil || len(again) != 1 || fmt.Sprintf("%q", again[0]) != fmt.Sprintf("%q", req) {
				t.Fatalf("round trip of %q: %q %v", req, again, err)
			}
		}
	})
}

// encodeRESP renders args as a RESP multibulk request.
func encodeRESP(args []string) []byte {
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.Bytes()
}

// Inline lines the fuzzer can reach through the reader are split here
// directly too, with arbitrary bytes: no panics, and unquoted plain words
// come back unchanged.
func FuzzSplitInline(f *testing.F) {
	for _, s := range []string{"a b c", `"a\x4"`, `'x\'y'`, "\"a\"b", "\x00", "\"\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		_, args, ok := splitInline(line, nil, nil)
		if !ok {
			return
		}
		for _, a := range args {
			if len(a) > len(line) {
				t.Fatalf("argument %q longer than the line %q", a, line)
			}
		}
		if !bytes.ContainsAny(line, "\"'\x00") {
			want := bytes.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
			if fmt.Sprintf("%q", bytes.Join(args, []byte{0})) != fmt.Sprintf("%q", bytes.Join(want, []byte{0})) {
				// FieldsFunc decodes UTF-8; compare only plain ASCII lines.
				if isASCII(line) && !bytes.ContainsAny(line, "\v\f") {
					t.Fatalf("split %q: %q, want %q", line, args, want)
				}
			}
		}
	})
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
