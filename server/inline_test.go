package server

import (
	"fmt"
	"testing"
)

// Cases follow sdssplitargs in Redis's sds.c.
func TestSplitInline(t *testing.T) {
	cases := []struct {
		line string
		want []string // nil with ok=false for unbalanced quotes
		ok   bool
	}{
		{"", []string{}, true},
		{"   \t  ", []string{}, true},
		{"PING", []string{"PING"}, true},
		{"  SET  k   v  ", []string{"SET", "k", "v"}, true},
		{"a\tb\rc\nd", []string{"a", "b", "c", "d"}, true},
		// \v and \f are skipped between arguments but do not end one.
		{"\va\vb \fc", []string{"a\vb", "c"}, true},
		{`"a b"`, []string{"a b"}, true},
		{`"" ''`, []string{"", ""}, true},
		{`"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}, true},
		{`"\x41\x6a\x4A"`, []string{"AjJ"}, true},
		{`"\x4"`, []string{"x4"}, true},
		{`"\xZZ"`, []string{"xZZ"}, true},
		{`"\x"`, []string{"x"}, true},
		{`'a\'b'`, []string{"a'b"}, true},
		{`'a\nb'`, []string{`a\nb`}, true},
		{`'\x41'`, []string{`\x41`}, true},
		{`ab"cd ef"`, []string{"abcd ef"}, true},
		{`ab'cd ef'`, []string{"abcd ef"}, true},
		{`"a"b`, nil, false},
		{`'a'b`, nil, false},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`"abc\"`, nil, false},
		{`"a\`, nil, false},
		{`"a" 'b' c`, []string{"a", "b", "c"}, true},
		{"\"a\"\tb", []string{"a", "b"}, true},
		// A NUL byte ends the line, as for Redis's C string.
		{"a b\x00c d", []string{"a", "b"}, true},
		{"\"a\x00b\"", nil, false},
		{"\xff\xfe", []string{"\xff\xfe"}, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q", tc.line), func(t *testing.T) {
			_, args, ok := splitInline([]byte(tc.line), nil, nil)
			if ok != tc.ok {
				t.Fatalf("ok=%v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			got := make([]string, len(args))
			for i, a := range args {
				got[i] = string(a)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// More arguments than the fixed offset array holds, and reuse of the scratch
// buffers between lines, must not corrupt arguments.
func TestSplitInline_ManyArgsAndReuse(t *testing.T) {
	var line []byte
	for i := 0; i < 300; i++ {
		line = fmt.Appendf(line, "\"arg\\x%02x%d\" ", i%256, i)
	}
	scratch, args, ok := splitInline(line, nil, nil)
	if !ok || len(args) != 300 {
		t.Fatalf("ok=%v, %d args", ok, len(args))
	}
	for i, a := range args {
		if want := "arg" + string([]byte{byte(i % 256)}) + fmt.Sprint(i); string(a) != want {
			t.Fatalf("arg %d = %q, want %q", i, a, want)
		}
	}
	_, args, _ = splitInline([]byte("x y"), scratch, args)
	if len(args) != 2 || string(args[0]) != "x" || string(args[1]) != "y" {
		t.Fatalf("reuse: %q", args)
	}
}
