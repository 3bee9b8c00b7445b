package server

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/store/glob"
)

// Config holds every configuration parameter, loaded from a redis.conf-style
// file and command-line overrides and changed at run time by CONFIG SET.
// Parameters are described once in the params table (config_params.go);
// values read on every request are mirrored into atomics so the hot path
// takes no lock.
type Config struct {
	mu     sync.Mutex
	params []*param
	byName map[string]*param // names and aliases
	file   string            // absolute path of the config file, if any

	// Extra directives that are not plain parameters.
	watchers map[string][]func(string) // called after a parameter changes

	renames [][2]string // rename-command from, to
	users   [][]string  // user lines, for ACL
	ignored map[string]bool

	// Hot values.
	protoMaxBulkLen atomic.Int64
	queryBufLimit   atomic.Int64
	maxClients      atomic.Int64
	timeout         atomic.Int64 // nanoseconds
	requirePass     atomic.Pointer[string]
}

// paramKind is how a parameter's value is parsed and printed.
type paramKind uint8

const (
	kindString paramKind = iota
	kindBool
	kindInt    // integer within [min, max]
	kindMemory // bytes, accepting 1k/1kb/1m/1mb/1g/1gb suffixes
	kindEnum
	kindMulti  // free-form, several arguments (save, client-output-buffer-limit)
	kindSecond // integer seconds, stored as is
)

// paramFlag qualifies a parameter.
type paramFlag uint8

const (
	flagImmutable paramFlag = 1 << iota // only settable at start-up
	flagProtected                       // CONFIG SET needs enable-protected-configs
	flagNoEffect                        // accepted for compatibility, means nothing in Ember
	flagSensitive                       // value redacted in logs
)

type param struct {
	name     string
	aliases  []string
	kind     paramKind
	def      string
	flags    paramFlag
	enum     []string
	min, max int64
	// apply validates and applies a new value; it returns the canonical
	// value to store and report in CONFIG GET.
	apply func(cfg *Config, v string) (string, error)

	value string
	set   bool // set explicitly (config file, command line or CONFIG SET)
}

// NewConfig returns a configuration holding Redis's defaults.
func NewConfig() *Config {
	cfg := &Config{byName: map[string]*param{}, ignored: map[string]bool{}}
	for _, p := range configParams() {
		cfg.params = append(cfg.params, p)
		cfg.byName[p.name] = p
		for _, a := range p.aliases {
			cfg.byName[a] = p
		}
	}
	for _, p := range cfg.params {
		if err := cfg.setParam(p, p.def, true); err != nil {
			panic(fmt.Sprintf("config: default of %s: %v", p.name, err))
		}
		p.set = false
	}
	return cfg
}

// setParam parses, validates and applies v to p.
func (cfg *Config) setParam(p *param, v string, startup bool) error {
	canon, err := parseParam(p, v)
	if err != nil {
		return err
	}
	if p.apply != nil {
		if canon, err = p.apply(cfg, canon); err != nil {
			return err
		}
	}
	p.value = canon
	p.set = true
	for _, fn := range cfg.watchers[p.name] {
		fn(canon)
	}
	return nil
}

// Watch calls fn with the parameter's value now and after every change.
// Components that keep their own copy of a setting (the store's encoding
// limits, the logger's level) subscribe here.
func (cfg *Config) Watch(name string, fn func(value string)) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	p, ok := cfg.byName[name]
	if !ok {
		panic("config: Watch of unknown parameter " + name)
	}
	if cfg.watchers == nil {
		cfg.watchers = map[string][]func(string){}
	}
	cfg.watchers[p.name] = append(cfg.watchers[p.name], fn)
	fn(p.value)
}

func parseParam(p *param, v string) (string, error) {
	switch p.kind {
	case kindBool:
		switch strings.ToLower(v) {
		case "yes":
			return "yes", nil
		case "no":
			return "no", nil
		}
		return "", fmt.Errorf("argument must be 'yes' or 'no'")
	case kindInt, kindSecond:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", fmt.Errorf("argument couldn't be parsed into an integer")
		}
		if n < p.min || n > p.max {
			return "", fmt.Errorf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(n, 10), nil
	case kindMemory:
		n, ok := ParseMemory(v)
		if !ok {
			return "", fmt.Errorf("argument must be a memory value")
		}
		if n < p.min || n > p.max {
			return "", fmt.Errorf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(n, 10), nil
	case kindEnum:
		lv := strings.ToLower(v)
		for _, e := range p.enum {
			if e == lv {
				return lv, nil
			}
		}
		return "", fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(p.enum, ", "))
	}
	return v, nil
}

// ParseMemory parses a memory amount as Redis's memtoull: a number with an
// optional b, k, kb, m, mb, g or gb suffix (case-insensitive; k is 1000,
// kb is 1024).
func ParseMemory(s string) (int64, bool) {
	ls := strings.ToLower(s)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(ls, u.suffix) {
			ls = strings.TrimSuffix(ls, u.suffix)
			mul = u.mul
			break
		}
	}
	if ls == "" {
		return 0, false
	}
	for _, c := range ls {
		if c < '0' || c > '9' {
			if c == '-' && ls[0] == '-' && mul == 1 {
				continue
			}
			return 0, false
		}
	}
	n, err := strconv.ParseInt(ls, 10, 64)
	if err != nil || (n > 0 && n > math.MaxInt64/mul) {
		return 0, false
	}
	return n * mul, true
}

// LoadFile reads a configuration file, then applies overrides (the
// command-line "--name value" pairs, already joined into config text).
// Errors name the file and line, as Redis's loader does.
func (cfg *Config) LoadFile(path string, overrides string) error {
	var text string
	if path != "" {
		var data []byte
		var err error
		if path == "-" {
			data, err = readAllStdin()
		} else {
			data, err = os.ReadFile(path)
		}
		if err != nil {
			return fmt.Errorf("Fatal error, can't open config file '%s': %v", path, err)
		}
		text = string(data)
		if path != "-" {
			if abs, err := absPath(path); err == nil {
				cfg.file = abs
			}
		}
	}
	if overrides != "" {
		text += "\n" + overrides
	}
	return cfg.LoadString(text, path)
}

// ConfigError is a bad line in a configuration file.
type ConfigError struct {
	File string
	Line int
	Text string
	Msg  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\nReading the configuration file, at line %d\n>>> '%s'\n%s", RedisVersion, e.Line, e.Text, e.Msg)
}

// LoadString applies configuration text, line by line.
func (cfg *Config) LoadString(text, file string) error {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(msg string) error {
			return &ConfigError{File: file, Line: i + 1, Text: line, Msg: msg}
		}
		_, argv, ok := splitInline([]byte(line), nil, nil)
		if !ok {
			return fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		args := make([]string, len(argv))
		for j, a := range argv {
			args[j] = string(a)
		}
		name := strings.ToLower(args[0])
		if p, ok := cfg.byName[name]; ok {
			vals := args[1:]
			if p.kind != kindMulti && len(vals) != 1 {
				return fail("wrong number of arguments")
			}
			v := strings.Join(vals, " ")
			if err := cfg.setParam(p, v, true); err != nil {
				return fail(err.Error())
			}
			if p.flags&flagNoEffect != 0 && !cfg.ignored[p.name] {
				cfg.ignored[p.name] = true
			}
			continue
		}
		switch {
		case name == "include" && len(args) == 2:
			data, err := os.ReadFile(args[1])
			if err != nil {
				return fail(fmt.Sprintf("Fatal error, can't open config file '%s': %v", args[1], err))
			}
			cfg.mu.Unlock()
			err = cfg.LoadString(string(data), args[1])
			cfg.mu.Lock()
			if err != nil {
				return err
			}
		case name == "rename-command" && len(args) == 3:
			cfg.renames = append(cfg.renames, [2]string{args[1], args[2]})
		case name == "user" && len(args) >= 2:
			cfg.users = append(cfg.users, args[1:])
		case name == "loadmodule" && len(args) >= 2:
			return fail("Ember does not load Redis modules")
		case isDeprecatedDirective(name, len(args)):
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}
	return nil
}

func isDeprecatedDirective(name string, argc int) bool {
	switch name {
	case "list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands":
		return argc == 2
	}
	return false
}

// Get returns a parameter's current value.
func (cfg *Config) Get(name string) (string, bool) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	p, ok := cfg.byName[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	return p.value, true
}

// MustGet returns a parameter's value; the name must exist.
func (cfg *Config) MustGet(name string) string {
	v, ok := cfg.Get(name)
	if !ok {
		panic("config: unknown parameter " + name)
	}
	return v
}

// GetInt returns an integer parameter.
func (cfg *Config) GetInt(name string) int64 {
	n, _ := strconv.ParseInt(cfg.MustGet(name), 10, 64)
	return n
}

// GetBool returns a yes/no parameter.
func (cfg *Config) GetBool(name string) bool { return cfg.MustGet(name) == "yes" }

// Match returns name/value pairs of every parameter matching one of the
// glob patterns, each parameter once, for CONFIG GET.
func (cfg *Config) Match(patterns []string) [][2]string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	seen := map[string]bool{}
	var out [][2]string
	for _, pat := range patterns {
		lp := strings.ToLower(pat)
		if p, ok := cfg.byName[lp]; ok && !strings.ContainsAny(lp, "*?[") {
			if !seen[lp] {
				seen[lp] = true
				out = append(out, [2]string{lp, p.value})
			}
			continue
		}
		names := make([]string, 0, len(cfg.byName))
		for n := range cfg.byName {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !seen[n] && glob.MatchFold([]byte(pat), []byte(n)) {
				seen[n] = true
				out = append(out, [2]string{n, cfg.byName[n].value})
			}
		}
	}
	return out
}

// SetError is why CONFIG SET refused a change.
type SetError struct {
	Unknown bool   // no such parameter (or bad argument count)
	Name    string // the parameter the error relates to
	Msg     string
}

func (e *SetError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", e.Name)
	}
	if e.Msg == "" {
		return fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s')", e.Name)
	}
	return fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", e.Name, e.Msg)
}

// Set applies name/value pairs atomically, as Redis 7's CONFIG SET: either
// every value is valid and applied, or none is. protectedOK allows
// parameters flagged protected (enable-protected-configs).
func (cfg *Config) Set(pairs [][2]string, protectedOK bool) error {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	seen := map[*param]bool{}
	type change struct {
		p   *param
		v   string
		old string
	}
	var changes []change
	for _, kv := range pairs {
		p, ok := cfg.byName[strings.ToLower(kv[0])]
		if !ok {
			return &SetError{Unknown: true, Name: kv[0]}
		}
		if p.flags&flagImmutable != 0 {
			return &SetError{Name: kv[0], Msg: "can't set immutable config"}
		}
		if p.flags&flagProtected != 0 && !protectedOK {
			return &SetError{Name: kv[0], Msg: "can't set protected config"}
		}
		if seen[p] {
			return &SetError{Name: kv[0], Msg: "duplicate parameter"}
		}
		seen[p] = true
		if _, err := parseParam(p, kv[1]); err != nil {
			return &SetError{Name: kv[0], Msg: err.Error()}
		}
		changes = append(changes, change{p: p, v: kv[1], old: p.value})
	}
	for i, ch := range changes {
		if err := cfg.setParam(ch.p, ch.v, false); err != nil {
			// Roll back what was applied.
			for _, done := range changes[:i] {
				_ = cfg.setParam(done.p, done.old, false)
			}
			return &SetError{Name: ch.p.name, Msg: err.Error()}
		}
	}
	return nil
}

// File is the configuration file's absolute path ("" when none).
func (cfg *Config) File() string { return cfg.file }

// Ignored lists parameters that were set but mean nothing in Ember.
func (cfg *Config) Ignored() []string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var out []string
	for n := range cfg.ignored {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Renames returns the rename-command directives.
func (cfg *Config) Renames() [][2]string { return cfg.renames }

// Users returns the user directives.
func (cfg *Config) Users() [][]string { return cfg.users }

// Hot accessors, lock-free.

// ProtoMaxBulkLen is proto-max-bulk-len.
func (cfg *Config) ProtoMaxBulkLen() int64 { return cfg.protoMaxBulkLen.Load() }

// ClientQueryBufferLimit is client-query-buffer-limit.
func (cfg *Config) ClientQueryBufferLimit() int64 { return cfg.queryBufLimit.Load() }

// MaxClients is maxclients.
func (cfg *Config) MaxClients() int { return int(cfg.maxClients.Load()) }

// Timeout is the idle client timeout (0: none).
func (cfg *Config) Timeout() time.Duration { return time.Duration(cfg.timeout.Load()) }

// RequirePass is the default user's password ("" for none).
func (cfg *Config) RequirePass() string {
	if p := cfg.requirePass.Load(); p != nil {
		return *p
	}
	return ""
}

// ParseCommandLine splits redis-server style arguments into the configuration
// file ("" for none, "-" for stdin) and configuration text built from the
// "--name value ..." options, exactly as redis-server joins them.
func ParseCommandLine(argv []string) (file string, text string) {
	j := 0
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "--") && argv[0] != "-" {
		file = argv[0]
		j = 1
	}
	var b strings.Builder
	handledLast := true
	for ; j < len(argv); j++ {
		a := argv[j]
		switch {
		case a == "-" && (j == 0 || j == len(argv)-1):
			file = "-"
		case handledLast && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(a[2:])
			b.WriteString(" ")
			_, parts, _ := splitInline([]byte(a), nil, nil)
			if len(parts) == 1 {
				handledLast = false
				if strings.EqualFold(a, "--save") && (j == len(argv)-1 || strings.HasPrefix(argv[j+1], "--")) {
					b.WriteString(`""`)
					handledLast = true
				}
			} else {
				handledLast = true
			}
		default:
			b.WriteString(quoteRepr(a))
			b.WriteString(" ")
			handledLast = true
		}
	}
	return file, b.String()
}

// quoteRepr quotes s as Redis's sdscatrepr does, so splitting it again gives s.
func quoteRepr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
