package server

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ember-kv/ember/store"
	"github.com/ember-kv/ember/store/glob"
)

// Config holds every configuration parameter, loaded from a redis.conf-style
// file and command-line overrides and changed at run time by CONFIG SET.
// Parameters are described once in the params table (config_params.go),
// with the types, defaults, ranges and flags of Redis 7.0's config.c; values
// read on every request are mirrored into atomics so the hot path takes no
// lock.
type Config struct {
	mu     sync.Mutex
	params []*param
	byName map[string]*param // names and aliases
	file   string            // absolute path of the config file, if any

	watchers map[string][]func(string)       // called after a parameter changes
	hooks    map[string]func(v string) error // may refuse a change (port, bind)

	loading    bool // reading the configuration file
	saveLoaded bool // a save line was read: later ones append

	renames [][2]string // rename-command from, to
	users   [][]string  // user lines, for ACL
	// userLines describes the ACL users as "user" lines (CONFIG REWRITE).
	userLines func() []string
	ignored   map[string]bool

	// Hot values.
	protoMaxBulkLen atomic.Int64
	queryBufLimit   atomic.Int64
	maxClients      atomic.Int64
	timeout         atomic.Int64 // nanoseconds
	requirePass     atomic.Pointer[string]
	hz              atomic.Int64
	latencyTracking atomic.Bool
	keyspaceEvents  atomic.Int64 // notify-keyspace-events as parsed: its printed form can drop 'n'
}

// paramType is how a parameter's value is parsed and printed.
type paramType uint8

const (
	typBool paramType = iota
	typString
	typEnum
	typNum
	typSpecial
)

// paramFlag qualifies a parameter.
type paramFlag uint16

const (
	flagImmutable   paramFlag = 1 << iota // only settable at start-up
	flagProtected                         // CONFIG SET needs enable-protected-configs
	flagNoEffect                          // accepted for compatibility, means nothing in Ember
	flagSensitive                         // value redacted in logs
	flagHidden                            // not matched by CONFIG GET patterns
	flagMultiArg                          // takes several arguments (save, bind, ...)
	flagDenyLoading                       // CONFIG SET refused while loading (DENY_LOADING_CONFIG)
)

type enumItem struct {
	name string
	val  int
}

type param struct {
	name  string
	alias string
	typ   paramType
	flags paramFlag
	def   string // default, as CONFIG GET prints it (strings, bools, specials)

	// Numbers.
	unsigned bool
	min, max int64 // bit patterns of C's bounds; compared unsigned when unsigned
	defN     int64 // default of numbers and enums
	nflags   uint8
	n        int64 // current value of numbers and enums

	emptyNull bool // string: "" means unset (EMPTY_STRING_IS_NULL)
	enum      []enumItem
	valid     func(v string) string // string validation, "" when valid

	setSpecial func(cfg *Config, argv []string) (canon string, err string)
	rewrite    func(cfg *Config, p *param, st *rewriteState)

	value string // current value, as CONFIG GET prints it
}

// NewConfig returns a configuration holding the defaults.
func NewConfig() *Config {
	cfg := &Config{byName: map[string]*param{}, ignored: map[string]bool{}}
	for _, p := range configParams() {
		cfg.params = append(cfg.params, p)
		cfg.byName[p.name] = p
		if p.alias != "" {
			cfg.byName[p.alias] = p
		}
		switch p.typ {
		case typNum:
			p.n = p.defN
			p.value = formatNum(p, p.n)
		case typEnum:
			p.n = p.defN
			p.value = enumName(p, int(p.n))
		case typSpecial:
			canon, err := p.setSpecial(cfg, splitSpaces(p.def))
			if err != "" {
				panic(fmt.Sprintf("config: default of %s: %s", p.name, err))
			}
			p.def = canon
			p.value = canon
		default:
			p.value = p.def
		}
		cfg.applyHot(p)
	}
	return cfg
}

// splitSpaces splits a CONFIG SET value of a multi-argument parameter as
// Redis does (on single spaces; an empty value is no arguments).
func splitSpaces(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, " ")
}

// set parses argv for p, without applying side effects. It returns the new
// canonical value and, for numbers and enums, the numeric value, or Redis's
// error text.
func (cfg *Config) parse(p *param, argv []string) (canon string, n int64, errText string) {
	switch p.typ {
	case typBool:
		switch strings.ToLower(argv[0]) {
		case "yes":
			return "yes", 0, ""
		case "no":
			return "no", 0, ""
		}
		return "", 0, "argument must be 'yes' or 'no'"
	case typString:
		if p.valid != nil {
			if e := p.valid(argv[0]); e != "" {
				return "", 0, e
			}
		}
		return argv[0], 0, ""
	case typEnum:
		v, ok := enumValue(p, argv)
		if !ok {
			names := make([]string, len(p.enum))
			for i, e := range p.enum {
				names[i] = e.name
			}
			return "", 0, "argument(s) must be one of the following: " + strings.Join(names, ", ")
		}
		if p.flags&flagMultiArg != 0 && v&1 != 0 && v&2 != 0 {
			return "", 0, "shutdown options SAVE and NOSAVE can't be used simultaneously"
		}
		return enumName(p, v), int64(v), ""
	case typNum:
		v, e := parseNum(p, argv[0])
		if e != "" {
			return "", 0, e
		}
		if e := checkBounds(p, v); e != "" {
			return "", 0, e
		}
		return formatNum(p, v), v, ""
	case typSpecial:
		c, e := p.setSpecial(cfg, argv)
		return c, 0, e
	}
	return "", 0, "unknown parameter type"
}

func enumValue(p *param, argv []string) (int, bool) {
	multi := p.flags&flagMultiArg != 0
	if len(argv) == 0 || (!multi && len(argv) != 1) {
		return 0, false
	}
	v := 0
	for _, a := range argv {
		matched := false
		for _, e := range p.enum {
			if strings.EqualFold(a, e.name) {
				v |= e.val
				matched = true
			}
		}
		if !matched {
			return 0, false
		}
	}
	return v, true
}

// enumName prints an enum value as configEnumGetName: the first exact match,
// or for bit flags the names of the bits.
func enumName(p *param, v int) string {
	multi := p.flags&flagMultiArg != 0
	var names []string
	unmatched := v
	for _, e := range p.enum {
		if e.val == v {
			return e.name
		}
		if multi && e.val != 0 && e.val == unmatched&e.val {
			names = append(names, e.name)
			unmatched &^= e.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// parseNum parses a numeric value as numericParseString: memory units,
// then percent, then octal, then a plain integer.
func parseNum(p *param, s string) (int64, string) {
	if p.nflags&numMemory != 0 {
		if v, ok := memToULL(s); ok {
			return int64(v), ""
		}
	}
	if p.nflags&numPercent != 0 && len(s) > 1 && s[len(s)-1] == '%' {
		if v, ok := store.ParseInt([]byte(s[:len(s)-1])); ok && v >= 0 {
			return -v, ""
		}
	}
	if p.nflags&numOctal != 0 {
		if v, err := strconv.ParseInt(s, 8, 64); err == nil {
			return v, ""
		}
	}
	if p.nflags == 0 {
		if v, ok := store.ParseInt([]byte(s)); ok {
			return v, ""
		}
	}
	switch {
	case p.nflags&numMemory != 0 && p.nflags&numPercent != 0:
		return 0, "argument must be a memory or percent value"
	case p.nflags&numMemory != 0:
		return 0, "argument must be a memory value"
	case p.nflags&numOctal != 0:
		return 0, "argument couldn't be parsed as an octal number"
	}
	return 0, "argument couldn't be parsed into an integer"
}

func checkBounds(p *param, v int64) string {
	if p.unsigned {
		if uint64(v) > uint64(p.max) || uint64(v) < uint64(p.min) {
			if p.nflags&numOctal != 0 {
				return fmt.Sprintf("argument must be between %o and %o inclusive", uint64(p.min), uint64(p.max))
			}
			return fmt.Sprintf("argument must be between %d and %d inclusive", uint64(p.min), uint64(p.max))
		}
		return ""
	}
	if p.nflags&numPercent != 0 && v < 0 {
		if v < p.min {
			return fmt.Sprintf("percentage argument must be less or equal to %d", -p.min)
		}
		return ""
	}
	if v > p.max || v < p.min {
		return fmt.Sprintf("argument must be between %d and %d inclusive", p.min, p.max)
	}
	return ""
}

func formatNum(p *param, v int64) string {
	switch {
	case p.nflags&numPercent != 0 && v < 0:
		return strconv.FormatInt(-v, 10) + "%"
	case p.nflags&numMemory != 0:
		return strconv.FormatUint(uint64(v), 10)
	case p.nflags&numOctal != 0:
		return strconv.FormatUint(uint64(v), 8)
	}
	return strconv.FormatInt(v, 10)
}

// memToULL parses a memory amount as Redis's memtoull: digits with an
// optional b, k, kb, m, mb, g or gb unit (case-insensitive; k is 1000, kb
// 1024). Like the C code, overflow saturates and the multiplication wraps.
func memToULL(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	if i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 64)
		if err != nil {
			n = math.MaxUint64 // strtoull saturates on ERANGE
		}
		v = n
	}
	return v * mul, true
}

// ParseMemory parses a memory amount (see memToULL) into an int64.
func ParseMemory(s string) (int64, bool) {
	v, ok := memToULL(s)
	return int64(v), ok
}

// apply stores a parsed value and runs the parameter's side effects.
func (cfg *Config) store(p *param, canon string, n int64) {
	p.value = canon
	p.n = n
	cfg.applyHot(p)
	for _, fn := range cfg.watchers[p.name] {
		fn(canon)
	}
}

// applyHot mirrors the parameters read on every request into atomics.
func (cfg *Config) applyHot(p *param) {
	switch p.name {
	case "proto-max-bulk-len":
		cfg.protoMaxBulkLen.Store(p.n)
	case "client-query-buffer-limit":
		cfg.queryBufLimit.Store(p.n)
	case "maxclients":
		cfg.maxClients.Store(p.n)
	case "timeout":
		cfg.timeout.Store(p.n * int64(time.Second))
	case "requirepass":
		v := p.value
		cfg.requirePass.Store(&v)
	case "hz":
		cfg.hz.Store(p.n)
	case "latency-tracking":
		cfg.latencyTracking.Store(p.value == "yes")
	}
}

// Watch calls fn with the parameter's value now and after every change.
// Components that keep their own copy of a setting (the store's encoding
// limits, the logger's level) subscribe here. fn runs with the
// configuration locked: it must not call back into Config.
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

// Hook installs fn to apply changes of a parameter that can fail (rebinding
// the port): an error refuses the CONFIG SET and restores the old values.
// fn runs with the configuration locked: it must not call back into Config.
func (cfg *Config) Hook(name string, fn func(value string) error) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	if cfg.hooks == nil {
		cfg.hooks = map[string]func(string) error{}
	}
	cfg.hooks[cfg.byName[name].name] = fn
}

// LoadFile reads a configuration file ("" for none), then what stdin holds
// when fromStdin, then applies overrides (the command-line options, already
// joined into config text), as Redis's loadServerConfig.
func (cfg *Config) LoadFile(path string, fromStdin bool, overrides string) error {
	var text string
	if path != "" {
		if abs, err := absPath(path); err == nil {
			cfg.file = abs
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("Fatal error, can't open config file '%s': %s", cfg.file, errnoText(err))
		}
		text = string(data)
	}
	if fromStdin {
		data, err := readAllStdin()
		if err != nil {
			return err
		}
		text += string(data)
	}
	if overrides != "" {
		text += "\n" + overrides
	}
	return cfg.LoadString(text)
}

// ConfigError is a bad line in a configuration file. Its text is what
// redis-server prints before exiting.
type ConfigError struct {
	Line int
	Text string
	Msg  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\nReading the configuration file, at line %d\n>>> '%s'\n%s", RedisVersion, e.Line, e.Text, e.Msg)
}

// LoadString applies configuration text line by line, as Redis's
// loadServerConfigFromString.
func (cfg *Config) LoadString(text string) error {
	cfg.mu.Lock()
	cfg.loading = true
	err := cfg.loadLocked(text)
	cfg.loading = false
	cfg.mu.Unlock()
	if err != nil {
		return err
	}
	if lf := cfg.MustGet("logfile"); lf != "" {
		f, err := os.OpenFile(lf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\nCan't open the log file: %s", RedisVersion, errnoText(err))
		}
		f.Close()
	}
	return nil
}

func (cfg *Config) loadLocked(text string) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(msg string) error {
			return &ConfigError{Line: i + 1, Text: line, Msg: msg}
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
			if p.flags&flagMultiArg == 0 && len(vals) != 1 {
				return fail("wrong number of arguments")
			}
			if p.flags&flagMultiArg != 0 && len(vals) == 1 && vals[0] != "" {
				_, parts, ok := splitInline([]byte(vals[0]), nil, nil)
				if !ok {
					return fail("Unbalanced quotes in configuration line")
				}
				vals = vals[:0]
				for _, a := range parts {
					vals = append(vals, string(a))
				}
			}
			canon, n, e := cfg.parse(p, vals)
			if e != "" {
				return fail(e)
			}
			cfg.store(p, canon, n)
			if p.flags&flagNoEffect != 0 {
				cfg.ignored[p.name] = true
			}
			continue
		}
		switch {
		case isDeprecatedDirective(name, len(args)):
		case name == "include" && len(args) == 2:
			if err := cfg.include(args[1]); err != nil {
				return err
			}
		case name == "rename-command" && len(args) == 3:
			if !knownCommand(args[1]) {
				return fail("No such command in rename-command")
			}
			cfg.renames = append(cfg.renames, [2]string{args[1], args[2]})
		case name == "user" && len(args) >= 2:
			if msg := ValidateUserLine(args[1:], cfg.users); msg != "" {
				return fail(msg)
			}
			cfg.users = append(cfg.users, args[1:])
		case name == "loadmodule" && len(args) >= 2:
			return fail("Ember does not load Redis modules")
		case strings.Contains(name, "."):
			if len(args) < 2 {
				return fail("Module config specified without value")
			}
			return fail("Ember does not load Redis modules")
		case name == "sentinel":
			if len(args) != 1 {
				return fail("sentinel directive while not in sentinel mode")
			}
		default:
			return fail("Bad directive or wrong number of arguments")
		}
	}
	return nil
}

// include loads another file (or every file a glob matches), as Redis's
// include directive.
func (cfg *Config) include(pattern string) error {
	files := []string{pattern}
	if strings.ContainsAny(pattern, "*?[") {
		files, _ = filepath.Glob(pattern)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("Fatal error, can't open config file '%s': %s", f, errnoText(err))
		}
		if err := cfg.loadLocked(string(data)); err != nil {
			return err
		}
	}
	return nil
}

// knownCommand reports whether rename-command names a real command.
func knownCommand(name string) bool {
	for _, fam := range commandFamilies() {
		for _, c := range fam {
			if strings.EqualFold(c.Name, name) {
				return true
			}
		}
	}
	return false
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

// GetInt returns a numeric or enum parameter's value.
func (cfg *Config) GetInt(name string) int64 {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	p, ok := cfg.byName[name]
	if !ok {
		panic("config: unknown parameter " + name)
	}
	if p.typ == typNum || p.typ == typEnum {
		return p.n
	}
	n, _ := strconv.ParseInt(p.value, 10, 64)
	return n
}

// GetBool returns a yes/no parameter.
func (cfg *Config) GetBool(name string) bool { return cfg.MustGet(name) == "yes" }

// Match returns name/value pairs for CONFIG GET: each argument is a name
// (reported as given) or a glob pattern matched against every name and
// alias except hidden parameters; a parameter is reported once per name.
func (cfg *Config) Match(patterns []string) [][2]string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	seen := map[string]bool{}
	var out [][2]string
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			lp := strings.ToLower(pat)
			if seen[lp] {
				continue
			}
			if p, ok := cfg.byName[lp]; ok {
				seen[lp] = true
				out = append(out, [2]string{pat, p.value})
			}
			continue
		}
		for _, p := range cfg.params {
			if p.flags&flagHidden != 0 {
				continue
			}
			for _, n := range []string{p.name, p.alias} {
				if n == "" || seen[n] {
					continue
				}
				if glob.MatchFold([]byte(pat), []byte(n)) {
					seen[n] = true
					out = append(out, [2]string{n, p.value})
				}
			}
		}
	}
	return out
}

// SetError is why CONFIG SET refused a change; Error() is Redis's reply.
type SetError struct {
	Unknown bool   // no such parameter
	Name    string // the parameter the error relates to
	Msg     string
	Loading bool // a parameter that cannot change while loading
}

func (e *SetError) Error() string {
	if e.Loading {
		return "LOADING Redis is loading the dataset in memory"
	}
	if e.Unknown {
		return fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", e.Name)
	}
	if e.Msg == "" {
		return fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s')", e.Name)
	}
	return fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", e.Name, e.Msg)
}

// Set applies name/value pairs atomically, as Redis 7's CONFIG SET: every
// value is checked first, then all are applied; if applying one fails the
// old values are restored. protectedOK allows parameters flagged protected
// (enable-protected-configs).
func (cfg *Config) Set(pairs [][2]string, protectedOK bool) error {
	return cfg.SetLoading(pairs, protectedOK, false)
}

// SetLoading is Set while the dataset may be loading: parameters flagged
// flagDenyLoading are then refused with LOADING.
func (cfg *Config) SetLoading(pairs [][2]string, protectedOK, loading bool) error {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var unknown string
	var firstErr *SetError
	ps := make([]*param, len(pairs))
	for i, kv := range pairs {
		p, ok := cfg.byName[strings.ToLower(kv[0])]
		if !ok {
			if firstErr == nil && unknown == "" {
				unknown = kv[0]
			}
			continue
		}
		if unknown != "" || firstErr != nil {
			continue
		}
		switch {
		case p.flags&flagImmutable != 0:
			firstErr = &SetError{Name: kv[0], Msg: "can't set immutable config"}
			continue
		case p.flags&flagProtected != 0 && !protectedOK:
			firstErr = &SetError{Name: kv[0], Msg: "can't set protected config"}
			continue
		case loading && p.flags&flagDenyLoading != 0:
			firstErr = &SetError{Name: kv[0], Loading: true}
			continue
		}
		// Redis registers an alias as a parameter of its own, so only the
		// same name twice is a duplicate.
		for j := 0; j < i; j++ {
			if ps[j] != nil && strings.EqualFold(pairs[j][0], kv[0]) {
				firstErr = &SetError{Name: kv[0], Msg: "duplicate parameter"}
			}
		}
		ps[i] = p
	}
	if unknown != "" {
		return &SetError{Unknown: true, Name: unknown}
	}
	if firstErr != nil {
		return firstErr
	}
	type backup struct {
		value string
		n     int64
	}
	old := make([]backup, len(ps))
	for i, p := range ps {
		old[i] = backup{p.value, p.n}
	}
	restore := func(upto int) {
		for j := 0; j < upto; j++ {
			cfg.store(ps[j], old[j].value, old[j].n)
		}
	}
	for i, p := range ps {
		var argv []string
		if p.flags&flagMultiArg != 0 {
			argv = splitSpaces(pairs[i][1])
		} else {
			argv = []string{pairs[i][1]}
		}
		canon, n, e := cfg.parse(p, argv)
		if e != "" {
			restore(i)
			return &SetError{Name: strings.ToLower(pairs[i][0]), Msg: e}
		}
		cfg.store(p, canon, n)
	}
	for i, p := range ps {
		hook := cfg.hooks[p.name]
		if hook == nil || old[i].value == p.value {
			continue
		}
		if err := hook(p.value); err != nil {
			restore(len(ps))
			for j := 0; j < i; j++ {
				if h := cfg.hooks[ps[j].name]; h != nil {
					_ = h(ps[j].value)
				}
			}
			return &SetError{Name: strings.ToLower(pairs[i][0]), Msg: err.Error()}
		}
	}
	return nil
}

// File is the configuration file's absolute path ("" when none).
func (cfg *Config) File() string { return cfg.file }

// Ignored lists parameters that were set in the configuration but mean
// nothing in Ember.
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

// SetUserLines installs the function CONFIG REWRITE calls to describe the
// ACL users (it runs with the configuration locked).
func (cfg *Config) SetUserLines(fn func() []string) {
	cfg.mu.Lock()
	cfg.userLines = fn
	cfg.mu.Unlock()
}

// Hot accessors, lock-free.

// ProtoMaxBulkLen is proto-max-bulk-len.
func (cfg *Config) ProtoMaxBulkLen() int64 { return cfg.protoMaxBulkLen.Load() }

// ClientQueryBufferLimit is client-query-buffer-limit.
func (cfg *Config) ClientQueryBufferLimit() int64 { return cfg.queryBufLimit.Load() }

// MaxClients is maxclients.
func (cfg *Config) MaxClients() int { return int(cfg.maxClients.Load()) }

// Timeout is the idle client timeout (0: none).
func (cfg *Config) Timeout() time.Duration { return time.Duration(cfg.timeout.Load()) }

// HZ is the configured hz, clamped to Redis's 1..500.
func (cfg *Config) HZ() int64 { return min(max(cfg.hz.Load(), 1), 500) }

// LatencyTracking is latency-tracking.
func (cfg *Config) LatencyTracking() bool { return cfg.latencyTracking.Load() }

// RequirePass is the default user's password ("" for none).
func (cfg *Config) RequirePass() string {
	if p := cfg.requirePass.Load(); p != nil {
		return *p
	}
	return ""
}

var errNoConfigFile = errors.New("ERR The server is running without a config file")

// ParseCommandLine splits redis-server style arguments into the configuration
// file ("" for none), whether to read configuration from stdin ("-" as the
// first or last argument), and configuration text built from the
// "--name value ..." options, exactly as redis-server's main joins them.
func ParseCommandLine(argv []string) (file string, stdin bool, text string) {
	j := 0
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		file = argv[0]
		j = 1
	}
	isOpt := func(a string) bool { return strings.HasPrefix(a, "--") }
	var b strings.Builder
	handledLast := true
	for ; j < len(argv); j++ {
		a := argv[j]
		switch {
		case a == "-" && (j == 0 || j == len(argv)-1):
			stdin = true
		case handledLast && isOpt(a):
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(a[2:])
			b.WriteString(" ")
			_, parts, _ := splitInline([]byte(a), nil, nil)
			if len(parts) != 1 {
				// Name and value in one argument: "--port 6380".
				handledLast = true
				break
			}
			handledLast = false
			last := j == len(argv)-1
			switch {
			case strings.EqualFold(a, "--save") && !last && isOpt(argv[j+1]):
				b.WriteString(`""`)
				handledLast = true
			case strings.EqualFold(a, "--save") && last:
				b.WriteString(`""`)
			case strings.EqualFold(a, "--sentinel") && !last && isOpt(argv[j+1]):
				handledLast = true
			}
		default:
			b.WriteString(quoteRepr(a))
			b.WriteString(" ")
			handledLast = true
		}
	}
	return file, stdin, b.String()
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
