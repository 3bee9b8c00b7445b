package tests

import (
	"bufio"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The command table guard: every command Ember registers (read from a
// running Ember with COMMAND, so commands added by any family are covered)
// must exist in redis-server 7.0.15 and describe itself identically: name,
// arity, flags, first/last/step and ACL categories. Tips and key specs are
// compared byte for byte by tests/diff_keyspecs_test.go.

// readValue parses one RESP2/RESP3 value: strings, int64, nil, []any for
// arrays, sets and maps (maps flattened), errors as error values.
func readValue(rd *bufio.Reader) (any, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, fmt.Errorf("short line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return fmt.Errorf("%s", body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '_':
		return nil, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io_ReadFull(rd, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*', '~', '%':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		if line[0] == '%' {
			n *= 2
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readValue(rd); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected RESP type in %q", line)
}

// doValue sends a command and parses its reply.
func (r *rawConn) doValue(t *testing.T, args ...string) any {
	t.Helper()
	if err := r.Send(encode(args...)); err != nil {
		t.Fatal(err)
	}
	v, err := readValue(r.rd)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// commandEntries flattens a COMMAND reply into entries by full name,
// subcommands included.
func commandEntries(t *testing.T, reply any) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	var add func(v any)
	add = func(v any) {
		e, ok := v.([]any)
		if !ok || len(e) != 10 {
			t.Fatalf("COMMAND entry is not a 10-element array: %#v", v)
		}
		name, _ := e[0].(string)
		if _, dup := out[name]; dup {
			t.Errorf("%s listed twice", name)
		}
		out[name] = e
		subs, _ := e[9].([]any)
		for _, s := range subs {
			add(s)
		}
	}
	list, ok := reply.([]any)
	if !ok {
		t.Fatalf("COMMAND reply is not an array: %#v", reply)
	}
	for _, v := range list {
		add(v)
	}
	return out
}

func TestCommandTable_MatchesRedis(t *testing.T) {
	ember, redis := sharedServers(t)
	e, r := dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
	if info, _ := r.Do("INFO", "server"); !strings.Contains(info, "redis_version:7.0.") {
		t.Logf("reference is not Redis 7.0 (INFO: %.200q): comparing anyway", info)
	}
	entries := commandEntries(t, e.doValue(t, "COMMAND"))
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	fields := []struct {
		i    int
		name string
	}{{1, "arity"}, {2, "flags"}, {3, "first key"}, {4, "last key"}, {5, "step"}, {6, "ACL categories"}}
	for _, name := range names {
		got := entries[name]
		info, ok := r.doValue(t, "COMMAND", "INFO", name).([]any)
		if !ok || len(info) != 1 || info[0] == nil {
			t.Errorf("%s: Ember registers it, Redis 7.0.15 has no such command", name)
			continue
		}
		want := info[0].([]any)
		for _, f := range fields {
			if !reflect.DeepEqual(got[f.i], want[f.i]) {
				t.Errorf("%s: %s %v, Redis has %v", name, f.name, got[f.i], want[f.i])
			}
		}
		// A container's subcommands in Redis that Ember lacks are not an
		// error (families grow), but each one Ember has is checked above.
	}
	t.Logf("%d commands and subcommands compared with Redis", len(names))
}

// COMMAND, COMMAND COUNT, COMMAND LIST, COMMAND INFO and COMMAND DOCS tell
// the same story.
func TestCommand_Consistent(t *testing.T) {
	p := startEmber(t)
	c := dialRaw(t, p.Addr)
	all := c.doValue(t, "COMMAND").([]any)
	entries := commandEntries(t, all)
	if n := c.doValue(t, "COMMAND", "COUNT"); n != int64(len(all)) {
		t.Errorf("COMMAND COUNT %v, COMMAND has %d", n, len(all))
	}
	list := c.doValue(t, "COMMAND", "LIST").([]any)
	if len(list) != len(entries) {
		t.Errorf("COMMAND LIST has %d names, COMMAND %d with subcommands", len(list), len(entries))
	}
	for _, n := range list {
		if _, ok := entries[n.(string)]; !ok {
			t.Errorf("COMMAND LIST names %v, COMMAND does not", n)
		}
	}
	for name, e := range entries {
		info := c.doValue(t, "COMMAND", "INFO", strings.ToUpper(name)).([]any)
		if !reflect.DeepEqual(info[0], e) {
			t.Errorf("COMMAND INFO %s differs from its COMMAND entry", name)
		}
	}
	docs := c.doValue(t, "COMMAND", "DOCS").([]any)
	if len(docs) != 2*len(all) {
		t.Errorf("COMMAND DOCS has %d entries, COMMAND %d", len(docs)/2, len(all))
	}
	for i := 0; i < len(docs); i += 2 {
		name := docs[i].(string)
		if _, ok := entries[name]; !ok {
			t.Errorf("COMMAND DOCS names %s, COMMAND does not", name)
		}
		m := docs[i+1].([]any)
		keys := map[string]bool{}
		for j := 0; j < len(m); j += 2 {
			keys[m[j].(string)] = true
		}
		for _, k := range []string{"summary", "since", "group", "complexity"} {
			if !keys[k] && !(k == "complexity" && name == "monitor") { // Redis documents none for MONITOR
				t.Errorf("COMMAND DOCS %s has no %s", name, k)
			}
		}
	}
	// Filters.
	if l := c.doValue(t, "COMMAND", "LIST", "FILTERBY", "PATTERN", "COMMAND|*").([]any); len(l) != 7 {
		t.Errorf("PATTERN command|*: %v", l)
	}
	for _, v := range c.doValue(t, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "Connection").([]any) {
		cats := entries[v.(string)][6].([]any)
		if !reflect.DeepEqual(true, containsValue(cats, "@connection")) {
			t.Errorf("ACLCAT connection lists %v with categories %v", v, cats)
		}
	}
	if l := c.doValue(t, "COMMAND", "LIST", "FILTERBY", "MODULE", "x").([]any); len(l) != 0 {
		t.Errorf("MODULE x: %v", l)
	}
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// COMMAND GETKEYS and GETKEYSANDFLAGS find the keys every key-taking
// command declares, for a well-formed call built from its arity.
func TestCommand_GetKeysFromTable(t *testing.T) {
	p := startEmber(t)
	c := dialRaw(t, p.Addr)
	entries := commandEntries(t, c.doValue(t, "COMMAND"))
	for name, e := range entries {
		first, last, step := e[3].(int64), e[4].(int64), e[5].(int64)
		flags := e[2].([]any)
		if first <= 0 || containsValue(flags, "movablekeys") || containsValue(flags, "pubsub") { // shard channels are not keys
			continue
		}
		arity := e[1].(int64)
		argc := arity
		if arity < 0 {
			argc = -arity
		}
		if last >= argc {
			argc = last + 1
		}
		if arity < 0 && last < 0 {
			// One key past the minimum: PFMERGE's sources start at the
			// second key (its key specs give none for "PFMERGE a1").
			argc++
		}
		args := strings.Split(name, "|")
		for int64(len(args)) < argc {
			args = append(args, fmt.Sprintf("a%d", len(args)))
		}
		var want []any
		end := last
		if end < 0 {
			end = int64(len(args)) + last
		}
		for i := first; i <= end; i += step {
			want = append(want, args[i])
		}
		got := c.doValue(t, append([]string{"COMMAND", "GETKEYS"}, args...)...)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("COMMAND GETKEYS %v: %v, want %v", args, got, want)
		}
		withFlags := c.doValue(t, append([]string{"COMMAND", "GETKEYSANDFLAGS"}, args...)...).([]any)
		if len(withFlags) != len(want) {
			t.Errorf("COMMAND GETKEYSANDFLAGS %v: %v", args, withFlags)
		}
	}
}
