package tests

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// redis-cli in interactive mode, on a pseudo-terminal: the hints shown while
// typing come from COMMAND DOCS (redis-cli 7 builds its help table from it
// at start-up), replies are formatted for a person, the prompt follows
// SELECT and MULTI. The same session runs against redis-server and the two
// transcripts must be identical once the port is normalised.

// cliSession types each line of a session into an interactive redis-cli and
// returns the hints seen for each prefix and the whole transcript.
type cliSession struct {
	hints []string // prefixes typed (then erased with Ctrl-U)
	lines []string // commands typed and run with Enter
}

const ttyCols = 400

var cliHelloID = regexp.MustCompile(`"id" => \(integer\) \d+`)

func runCliSession(t *testing.T, p *proc, s *cliSession) (hints map[string]string, transcript string) {
	t.Helper()
	tty := startPty(t, ttyCols, needCli(t), "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port))
	prompt := fmt.Sprintf("127.0.0.1:%d> ", p.Port)
	tty.WaitFor(0, regexp.MustCompile(regexp.QuoteMeta(prompt)))

	hints = map[string]string{}
	for _, prefix := range s.hints {
		mark := tty.Mark()
		tty.Type(prefix)
		// linenoise rewrites the whole line after each key: erase, prompt,
		// buffer, the hint in grey (90), cursor back.
		re := regexp.MustCompile("\r\x1b\\[0K" + regexp.QuoteMeta(prompt+prefix) +
			`(?:\x1b\[0;90;49m(.*?)\x1b\[0m)?\r\x1b\[` + strconv.Itoa(len(prompt)+len(prefix)) + "C")
		m := tty.WaitFor(mark, re)
		hints[prefix] = m[1]
		mark = tty.Mark()
		tty.Type("\x15") // Ctrl-U: erase the line
		tty.WaitFor(mark, regexp.MustCompile("\r\x1b\\[0K"+regexp.QuoteMeta(prompt)+`\r\x1b\[`+strconv.Itoa(len(prompt))+"C"))
	}
	start := tty.Mark()
	for _, line := range s.lines {
		mark := tty.Mark()
		tty.Type(line + "\r")
		// The next prompt (which SELECT and MULTI change) ends the reply.
		tty.WaitFor(mark, regexp.MustCompile(`\r\n(?:[^\n]*\n)*?127\.0\.0\.1:\d+(?:\[\d+\])?(?:\(TX\))?> `))
	}
	transcript = strings.ReplaceAll(tty.Output()[start:], strconv.Itoa(p.Port), "PORT")
	// HELLO shows the connection id, which counts earlier connections.
	transcript = cliHelloID.ReplaceAllString(transcript, `"id" => (integer) ID`)
	return hints, transcript
}

func TestRedisCli_InteractiveHints(t *testing.T) {
	needCli(t)
	session := &cliSession{
		hints: []string{
			"set ", "SET", "get", "set k v ", "set k v ex ", "hset h ", "zadd z ", "zrange ",
			"lpos l ", "client ", "client kill ", "config get ", "command docs ", "acl setuser ",
			"object encoding ", "getex ", "sort ", "bitfield ", "nosuch ",
		},
		lines: []string{
			"set cli:k hello", "get cli:k", "incr cli:k", "rpush cli:l a b c", "lrange cli:l 0 -1",
			"hset cli:h f 1", "hgetall cli:h", "zadd cli:z 1.5 m", "zrange cli:z 0 -1 withscores",
			"get cli:missing", "nosuch arg", "select 2", "set cli:db2 x", "multi", "incr cli:c", "exec",
			"help set", "help @hash", "select 0", "hello 3", "hgetall cli:h", "zrange cli:z 0 -1 withscores",
			"zscore cli:z m", "smembers cli:none", "config get maxmemory",
			// Tab completes command and subcommand names from the same table.
			"hgetal\t cli:h", "config ge\t maxmemory-policy", "ZRAN\t\t cli:z 0 -1",
		},
	}
	ember := startEmber(t)
	eh, et := runCliSession(t, ember, session)
	if eh["set "] == "" || !strings.HasPrefix(eh["set "], "key value") {
		t.Errorf("typing \"set \" against Ember shows hint %q, want the SET arguments", eh["set "])
	}
	if !strings.Contains(stripANSI(et), "SET key value [NX|XX]") {
		t.Errorf("help set against Ember does not show the arguments:\n%s", stripANSI(et))
	}
	if redisServerPath() == "" {
		t.Skip("redis-server is not installed: Ember's session checked alone")
	}
	redis := startRedis(t)
	rh, rt := runCliSession(t, redis, session)
	for _, prefix := range session.hints {
		if eh[prefix] != rh[prefix] {
			t.Errorf("hint after typing %q:\n  redis: %q\n  ember: %q", prefix, rh[prefix], eh[prefix])
		}
	}
	if et != rt {
		el, rl := strings.Split(stripANSI(et), "\n"), strings.Split(stripANSI(rt), "\n")
		for i := 0; i < len(el) || i < len(rl); i++ {
			var e, r string
			if i < len(el) {
				e = el[i]
			}
			if i < len(rl) {
				r = rl[i]
			}
			if e != r {
				t.Errorf("interactive transcripts differ at line %d:\n  redis: %q\n  ember: %q", i+1, r, e)
				break
			}
		}
		if !t.Failed() {
			t.Errorf("interactive transcripts differ in escape sequences:\n  redis: %q\n  ember: %q", rt, et)
		}
	}
}
