package server

import (
	"flag"
	"os"
	"sort"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite README.md's command table from the command table")

// groupTitles orders and names the README's command groups.
var groupTitles = []struct{ group, title string }{
	{"string", "Strings"}, {"bitmap", "Bitmaps"}, {"hyperloglog", "HyperLogLog"}, {"generic", "Keys"},
	{"list", "Lists"}, {"hash", "Hashes"}, {"set", "Sets"},
	{"sorted-set", "Sorted sets"}, {"geo", "Geo"}, {"pubsub", "Pub/Sub"},
	{"transactions", "Transactions"}, {"connection", "Connection"},
	{"server", "Server"},
}

// commandTableMarkdown renders every command Ember serves, by group, with
// its subcommands.
func commandTableMarkdown(t *testing.T) string {
	tb, err := NewTable(commandFamilies()...)
	if err != nil {
		t.Fatal(err)
	}
	byGroup := map[string][]string{}
	for _, c := range tb.list {
		name := strings.ToUpper(c.Name)
		if len(c.Sub) > 0 {
			var subs []string
			for _, s := range c.Sub {
				subs = append(subs, strings.ToUpper(s.Name))
			}
			sort.Strings(subs)
			name += " (" + strings.Join(subs, ", ") + ")"
		}
		byGroup[c.Group] = append(byGroup[c.Group], name)
	}
	var b strings.Builder
	b.WriteString("| Group | Commands |\n|---|---|\n")
	seen := 0
	for _, g := range groupTitles {
		names := byGroup[g.group]
		if len(names) == 0 {
			t.Fatalf("no commands in group %q", g.group)
		}
		sort.Strings(names)
		seen += len(names)
		b.WriteString("| " + g.title + " | " + strings.Join(names, ", ") + " |\n")
	}
	if seen != len(tb.list) {
		t.Fatalf("%d commands in groups the README does not list", len(tb.list)-seen)
	}
	return b.String()
}

// The README's table of supported commands is the command table itself:
// this fails when they differ (go test ./server -run TestREADMECommandTable
// -update-readme rewrites it).
func TestREADMECommandTable(t *testing.T) {
	const begin, end = "<!-- commands:begin -->\n", "<!-- commands:end -->"
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatal("README.md has no command table markers")
	}
	want := commandTableMarkdown(t)
	if got := readme[i+len(begin) : j]; got != want {
		if !*updateREADME {
			t.Fatalf("README.md's command table is stale; run go test ./server -run TestREADMECommandTable -update-readme")
		}
		readme = readme[:i+len(begin)] + want + readme[j:]
		if err := os.WriteFile("../README.md", []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
