package tests

import (
	"reflect"
	"testing"
)

// COMMAND DOCS for every command Ember registers is byte-identical to
// redis-server's, in RESP2 and RESP3. redis-cli builds its hints and `help`
// from this reply, so a missing "arguments" field silently removes every
// hint (it did, until server/command_docs.go). A container whose
// subcommands Ember only partly implements is compared field by field
// without its "subcommands" (each subcommand is compared on its own).

func TestCommandDocs_MatchesRedis(t *testing.T) {
	ember, redis := sharedServers(t)
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			e, r := dialRaw(t, ember.Addr), dialRaw(t, redis.Addr)
			if proto == "3" {
				e.doValue(t, "HELLO", "3")
				r.doValue(t, "HELLO", "3")
			}
			names := e.doValue(t, "COMMAND", "LIST").([]any)
			compared := 0
			for _, n := range names {
				name := n.(string)
				got, err1 := e.Do("COMMAND", "DOCS", name)
				want, err2 := r.Do("COMMAND", "DOCS", name)
				if err1 != nil || err2 != nil {
					t.Fatalf("COMMAND DOCS %s: %v / %v", name, err1, err2)
				}
				if got == want {
					compared++
					continue
				}
				eDoc := docFieldsOf(t, e, name)
				rDoc := docFieldsOf(t, r, name)
				if _, ok := rDoc["subcommands"]; ok {
					delete(eDoc, "subcommands")
					delete(rDoc, "subcommands")
					if reflect.DeepEqual(eDoc, rDoc) {
						compared++
						continue
					}
				}
				for k, rv := range rDoc {
					if ev, ok := eDoc[k]; !ok || !reflect.DeepEqual(ev, rv) {
						t.Errorf("COMMAND DOCS %s %s:\n  redis: %v\n  ember: %v", name, k, rv, ev)
					}
				}
				for k, ev := range eDoc {
					if _, ok := rDoc[k]; !ok {
						t.Errorf("COMMAND DOCS %s has %s = %v, Redis has none", name, k, ev)
					}
				}
				if !t.Failed() {
					t.Errorf("COMMAND DOCS %s differs in encoding or order:\n  redis: %q\n  ember: %q", name, want, got)
				}
			}
			t.Logf("COMMAND DOCS of %d commands and subcommands identical to Redis's", compared)
		})
	}
}

// docFieldsOf returns the fields of one command's COMMAND DOCS entry.
func docFieldsOf(t *testing.T, c *rawConn, name string) map[string]any {
	t.Helper()
	reply, ok := c.doValue(t, "COMMAND", "DOCS", name).([]any)
	if !ok || len(reply) != 2 {
		t.Fatalf("COMMAND DOCS %s: %#v", name, reply)
	}
	fields := reply[1].([]any)
	out := map[string]any{}
	for i := 0; i+1 < len(fields); i += 2 {
		out[fields[i].(string)] = fields[i+1]
	}
	return out
}
