package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// keySampleLines are argument lists for the commands whose keys depend on
// their arguments (a Keys func, or key specs that are not a plain index and
// range); the others get generated ones.
var keySampleLines = map[string][]string{
	"sort":        {"sort k", "sort k BY w GET x STORE d", "sort k LIMIT 0 1 STORE d", "sort k STORE", "sort k GET store STORE d ALPHA"},
	"sort_ro":     {"sort_ro k", "sort_ro k BY w GET x"},
	"zunionstore": {"zunionstore d 1 a", "zunionstore d 2 a b WEIGHTS 1 2", "zunionstore d 3 a b", "zunionstore d x a"},
	"zinterstore": {"zinterstore d 1 a", "zinterstore d 2 a b AGGREGATE MIN"},
	"zdiffstore":  {"zdiffstore d 1 a", "zdiffstore d 2 a b"},
	"zunion":      {"zunion 1 a", "zunion 2 a b WITHSCORES", "zunion 0 a", "zunion 3 a b"},
	"zinter":      {"zinter 1 a", "zinter 2 a b"},
	"zdiff":       {"zdiff 1 a", "zdiff 2 a b WITHSCORES"},
	"zintercard":  {"zintercard 1 a", "zintercard 2 a b LIMIT 1"},
	"sintercard":  {"sintercard 1 a", "sintercard 2 a b LIMIT 1", "sintercard 3 a b"},
	"lmpop":       {"lmpop 1 a LEFT", "lmpop 2 a b RIGHT COUNT 2"},
	"blmpop":      {"blmpop 0 1 a LEFT", "blmpop 0 2 a b RIGHT COUNT 2"},
	"zmpop":       {"zmpop 1 a MIN", "zmpop 2 a b MAX COUNT 2"},
	"bzmpop":      {"bzmpop 0 1 a MIN", "bzmpop 0 2 a b MAX COUNT 2"},
	"georadius": {"georadius k 0 0 1 km", "georadius k 0 0 1 km STORE d", "georadius k 0 0 1 km storedist d",
		"georadius k 0 0 1 km STORE d STOREDIST e", "georadius k 0 0 1 km WITHDIST COUNT 3"},
	"georadiusbymember": {"georadiusbymember k m 1 km", "georadiusbymember k m 1 km STORE d", "georadiusbymember k m 1 km STOREDIST d ASC"},
}

// generatedKeySamples returns argument lists of every valid length up to
// three beyond the minimum: the name (and subcommand) then k1, k2, ...
func generatedKeySamples(cmd *Command) [][][]byte {
	prefix := strings.Split(cmd.FullName, "|")
	lengths := []int{cmd.Arity}
	if cmd.Arity < 0 {
		lengths = []int{-cmd.Arity, -cmd.Arity + 1, -cmd.Arity + 2, -cmd.Arity + 3}
	}
	var out [][][]byte
	for _, n := range lengths {
		args := make([][]byte, 0, n)
		for _, p := range prefix {
			args = append(args, []byte(p))
		}
		for len(args) < n {
			args = append(args, []byte(fmt.Sprintf("k%d", len(args))))
		}
		out = append(out, args)
	}
	return out
}

// plainSpecs reports whether every key spec is an index and a range.
func plainSpecs(specs []keySpec) bool {
	for _, sp := range specs {
		if sp.bs != bsIndex || sp.fk != fkRange || sp.flags&ksIncomplete != 0 {
			return false
		}
	}
	return true
}

// TestKeyPositionsMatchKeySpecs checks, for every command, that the key
// positions Ember locks (FirstKey/LastKey/Step or Keys) are the ones Redis's
// key specs (or its key function, where the specs do not suffice) give.
// Pub/Sub shard channels are NOT_KEY specs; they are compared as keys
// because Ember locks them.
func TestKeyPositionsMatchKeySpecs(t *testing.T) {
	table, err := NewTable(commandFamilies()...)
	if err != nil {
		t.Fatal(err)
	}
	var all []*Command
	for _, cmd := range table.registered() {
		all = append(all, cmd)
		all = append(all, cmd.Sub...)
	}
	checked := 0
	for _, cmd := range all {
		ci := redisCommandInfo[cmd.FullName]
		if ci == nil {
			t.Errorf("%s: Redis has no such command", cmd.FullName)
			continue
		}
		var samples [][][]byte
		if lines, ok := keySampleLines[cmd.FullName]; ok {
			for _, l := range lines {
				var args [][]byte
				for _, f := range strings.Fields(l) {
					args = append(args, []byte(f))
				}
				samples = append(samples, args)
			}
		} else if cmd.Keys != nil || !plainSpecs(ci.specs) {
			t.Errorf("%s: keys depend on the arguments; add samples to keySampleLines", cmd.FullName)
			continue
		} else {
			samples = generatedKeySamples(cmd)
		}
		specs := ci.specs
		if !commandHasKeys(cmd) && len(specs) > 0 { // shard channels
			specs = slices.Clone(specs)
			for i := range specs {
				specs[i].flags &^= ksNotKey
			}
		}
		for _, args := range samples {
			var got []int
			for _, p := range cmd.keyPositions(args, nil) {
				if p > 0 && p < len(args) {
					got = append(got, p)
				}
			}
			var want []int
			refs, ok := followKeySpecs(specs, args, nil)
			hasKey := false
			var all uint16
			for _, sp := range specs {
				all |= sp.flags
				hasKey = hasKey || sp.flags&ksNotKey == 0
			}
			if !ok || !hasKey || all&ksVariableFlags != 0 {
				refs = nil
				if f := getKeysFuncs[cmd.FullName]; f != nil {
					refs = f(args, nil)
				}
			}
			for _, r := range refs {
				want = append(want, r.pos)
			}
			slices.Sort(got)
			slices.Sort(want)
			// No keys from the specs and the key function means the
			// arguments are invalid (the command replies with an error
			// before touching a key): whatever Ember locks then is moot.
			if len(want) > 0 && !slices.Equal(got, want) {
				t.Errorf("%q: Ember's key positions %v, Redis's key specs %v", args, got, want)
			}
			checked++
		}
	}
	if checked < 300 {
		t.Errorf("only %d argument lists checked", checked)
	}
}

// TestSpecKeysFlags checks specKeys on a few commands against the keys and
// flags redis-server 7.0.15 returns for COMMAND GETKEYSANDFLAGS.
func TestSpecKeysFlags(t *testing.T) {
	table, err := NewTable(commandFamilies()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line string
		want string
	}{
		{"set k v", "1:OW,update"},
		{"set k v get", "1:RW,access,update"},
		{"mset a 1 b 2", "1:OW,update 3:OW,update"},
		{"lmove a b left right", "1:RW,access,delete 2:RW,insert"},
		{"sort k by w store d", "1:RO,access 5:OW,update"},
		{"zunionstore d 2 a b", "1:OW,update 3:RO,access 4:RO,access"},
		{"zunionstore d x a b", ""}, // the key function finds no keys either: atoi("x") is 0
		{"sort k store", "1:RO,access"},
		{"bitfield k get u4 0", "1:RO,access"},
		{"zunion 2 a b", "2:RO,access 3:RO,access"},
		{"zunionstore d 4294967297 a", "1:OW,update 3:RO,access"}, // Redis casts numkeys to int
	} {
		var args [][]byte
		for _, f := range strings.Fields(tc.line) {
			args = append(args, []byte(f))
		}
		cmd, _ := table.Lookup(args)
		var parts []string
		for _, k := range specKeys(cmd, args, nil) {
			var names []string
			for i, n := range keySpecFlagNames {
				if k.flags&(1<<i) != 0 {
					names = append(names, n)
				}
			}
			parts = append(parts, fmt.Sprintf("%d:%s", k.pos, strings.Join(names, ",")))
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}
