package tests

import (
	"bufio"
	"bytes"
	"sort"
	"strings"
	"testing"
)

// The differential harness: each case is a script of commands sent to Ember
// and to redis-server 7; the raw replies must be identical, byte for byte.
//
// Adding a case is one line:
//
//	{"incr on a string", "SET k abc", "INCR k"},
//
// A command may carry a prefix that relaxes the comparison where Redis's
// answer is legitimately unordered or random:
//
//	~CMD  compare the reply as an unordered collection (SMEMBERS, KEYS, ...)
//	!CMD  compare only the reply's type and, for arrays, its length
//
// Every case starts on a freshly flushed server with database 0 selected and
// RESP2 ("HELLO 3" switches within a case).
type diffCase []string

func (dc diffCase) name() string { return dc[0] }
func (dc diffCase) cmds() []string {
	return dc[1:]
}

// runDiff runs cases against both servers.
func runDiff(t *testing.T, cases []diffCase) {
	t.Helper()
	ember, redis := sharedServers(t)
	for _, dc := range cases {
		t.Run(dc.name(), func(t *testing.T) {
			e := dialRaw(t, ember.Addr)
			r := dialRaw(t, redis.Addr)
			for _, conn := range []*rawConn{e, r} {
				if _, err := conn.Do("FLUSHALL"); err != nil {
					t.Fatal(err)
				}
			}
			for _, line := range dc.cmds() {
				mode := byte(0)
				if line != "" && (line[0] == '~' || line[0] == '!') {
					mode, line = line[0], line[1:]
				}
				args := splitCommand(line)
				want, err := r.Do(args...)
				if err != nil {
					t.Fatalf("redis: %s: %v", line, err)
				}
				got, err := e.Do(args...)
				if err != nil {
					t.Fatalf("ember: %s: %v (redis replied %q)", line, err, want)
				}
				if !sameReply(mode, got, want) {
					t.Errorf("%s\n  redis: %q\n  ember: %q", line, want, got)
				}
			}
		})
	}
}

func sameReply(mode byte, got, want string) bool {
	switch mode {
	case '~':
		return sortedElements(got) == sortedElements(want)
	case '!':
		if len(got) == 0 || len(want) == 0 || got[0] != want[0] {
			return false
		}
		if strings.ContainsRune("*~%>", rune(got[0])) {
			return firstLine(got) == firstLine(want)
		}
		return true
	}
	return got == want
}

func firstLine(s string) string {
	if i := strings.Index(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// sortedElements canonicalises an aggregate reply: header plus its
// top-level elements in sorted order.
func sortedElements(raw string) string {
	header, elems := respElems(raw)
	sort.Strings(elems)
	return header + strings.Join(elems, "")
}

// respElems splits a raw aggregate reply (array, set, map or push) into its
// header line and the raw bytes of its top-level elements; anything else
// comes back whole, with no elements.
func respElems(raw string) (string, []string) {
	rd := bufio.NewReader(strings.NewReader(raw))
	header, err := rd.ReadString('\n')
	if err != nil || header == "" || !strings.ContainsRune("*~%>", rune(header[0])) {
		return raw, nil
	}
	var elems []string
	for {
		var b bytes.Buffer
		if err := readRESP(rd, &b); err != nil {
			break
		}
		elems = append(elems, b.String())
	}
	return header, elems
}
