package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Parameters with their own syntax (config.c's special configs): each setter
// validates the arguments and returns the value as CONFIG GET prints it.

func setDir(cfg *Config, argv []string) (string, string) {
	if len(argv) != 1 {
		return "", "wrong number of arguments"
	}
	// Redis chdirs into dir; Ember resolves its files against the absolute
	// path instead, so that two servers in one process keep their own.
	abs, err := filepath.Abs(argv[0])
	if err != nil {
		return "", errnoText(err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", errnoText(err)
	}
	if !st.IsDir() {
		return "", "Not a directory"
	}
	return abs, ""
}

// parseCLong parses as C's strtoll with an end-pointer check: leading
// blanks and a sign are allowed, an empty string is 0.
func parseCLong(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if t == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return n, true
		}
		return 0, false
	}
	return n, true
}

func setSave(cfg *Config, argv []string) (string, string) {
	if len(argv) == 1 && argv[0] == "" {
		// save "" removes every save point, also while loading.
		if cfg.loading {
			cfg.saveLoaded = true
		}
		return "", ""
	}
	if len(argv)%2 != 0 {
		return "", "Invalid save parameters"
	}
	for j, a := range argv {
		v, ok := parseCLong(a)
		if !ok || (j%2 == 0 && v < 1) || (j%2 == 1 && v < 0) {
			return "", "Invalid save parameters"
		}
	}
	var parts []string
	// While reading the file, the first save line replaces the defaults
	// and later ones add to it.
	if cfg.loading && cfg.saveLoaded {
		if cur := cfg.byName["save"].value; cur != "" {
			parts = append(parts, cur)
		}
	}
	if cfg.loading {
		cfg.saveLoaded = true
	}
	for j := 0; j < len(argv); j += 2 {
		secs, _ := parseCLong(argv[j])
		changes, _ := parseCLong(argv[j+1])
		parts = append(parts, fmt.Sprintf("%d %d", secs, int32(changes)))
	}
	return strings.Join(parts, " "), ""
}

// SaveParams returns the save points (seconds, changes) in force.
func (cfg *Config) SaveParams() [][2]int64 {
	f := strings.Fields(cfg.MustGet("save"))
	var out [][2]int64
	for i := 0; i+1 < len(f); i += 2 {
		s, _ := strconv.ParseInt(f[i], 10, 64)
		c, _ := strconv.ParseInt(f[i+1], 10, 64)
		out = append(out, [2]int64{s, c})
	}
	return out
}

// obufClasses are the client classes of client-output-buffer-limit.
var obufClasses = []string{"normal", "slave", "pubsub"}

var obufDefaults = [3][3]uint64{{0, 0, 0}, {256 << 20, 64 << 20, 60}, {32 << 20, 8 << 20, 60}}

// obufLimits parses the canonical client-output-buffer-limit value.
func obufLimits(v string) [3][3]uint64 {
	out := obufDefaults
	f := strings.Fields(v)
	for i := 0; i+3 < len(f); i += 4 {
		for c, name := range obufClasses {
			if f[i] == name {
				for k := 0; k < 3; k++ {
					out[c][k], _ = strconv.ParseUint(f[i+1+k], 10, 64)
				}
			}
		}
	}
	return out
}

func obufClass(name string) int {
	switch strings.ToLower(name) {
	case "normal":
		return 0
	case "slave", "replica":
		return 1
	case "pubsub":
		return 2
	}
	return -1
}

func setObufLimit(cfg *Config, argv []string) (string, string) {
	if len(argv)%4 != 0 {
		return "", "Wrong number of arguments in buffer limit configuration."
	}
	cur := obufDefaults
	if p := cfg.byName["client-output-buffer-limit"]; p.value != "" {
		cur = obufLimits(p.value)
	}
	next := cur
	for j := 0; j < len(argv); j += 4 {
		class := obufClass(argv[j])
		if class < 0 {
			return "", "Invalid client class specified in buffer limit configuration."
		}
		hard, ok1 := memToULL(argv[j+1])
		soft, ok2 := memToULL(argv[j+2])
		secs, ok3 := parseCLong(argv[j+3])
		if !ok1 || !ok2 || !ok3 || int32(secs) < 0 {
			return "", "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		next[class] = [3]uint64{hard, soft, uint64(int32(secs))}
	}
	parts := make([]string, 0, 3)
	for c, name := range obufClasses {
		parts = append(parts, fmt.Sprintf("%s %d %d %d", name, next[c][0], next[c][1], next[c][2]))
	}
	return strings.Join(parts, " "), ""
}

func setOOMValues(cfg *Config, argv []string) (string, string) {
	if len(argv) != 3 {
		return "", "wrong number of arguments"
	}
	vals := make([]string, 3)
	for i, a := range argv {
		v, ok := parseCLong(a)
		if !ok || v < -2000 || v > 2000 {
			return "", "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
		}
		vals[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(vals, " "), ""
}

// Keyspace notification classes, as notify.c's flags.
const (
	notifyKeyspace = 1 << iota
	notifyKeyevent
	notifyGeneric
	notifyString
	notifyList
	notifySet
	notifyHash
	notifyZSet
	notifyExpired
	notifyEvicted
	notifyStream
	notifyKeyMiss
	notifyLoaded
	notifyModule
	notifyNew
	notifyAll = notifyGeneric | notifyString | notifyList | notifySet | notifyHash | notifyZSet | notifyExpired | notifyEvicted | notifyStream | notifyModule
)

// KeyspaceEventFlags parses notify-keyspace-events classes; ok is false for
// an unknown class character.
func KeyspaceEventFlags(s string) (flags int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			flags |= notifyAll
		case 'g':
			flags |= notifyGeneric
		case '$':
			flags |= notifyString
		case 'l':
			flags |= notifyList
		case 's':
			flags |= notifySet
		case 'h':
			flags |= notifyHash
		case 'z':
			flags |= notifyZSet
		case 'x':
			flags |= notifyExpired
		case 'e':
			flags |= notifyEvicted
		case 'K':
			flags |= notifyKeyspace
		case 'E':
			flags |= notifyKeyevent
		case 't':
			flags |= notifyStream
		case 'm':
			flags |= notifyKeyMiss
		case 'd':
			flags |= notifyModule
		case 'n':
			flags |= notifyNew
		default:
			return 0, false
		}
	}
	return flags, true
}

func keyspaceEventString(flags int) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, f := range []struct {
			bit int
			c   byte
		}{{notifyGeneric, 'g'}, {notifyString, '$'}, {notifyList, 'l'}, {notifySet, 's'}, {notifyHash, 'h'}, {notifyZSet, 'z'}, {notifyExpired, 'x'}, {notifyEvicted, 'e'}, {notifyStream, 't'}, {notifyModule, 'd'}, {notifyNew, 'n'}} {
			if flags&f.bit != 0 {
				b.WriteByte(f.c)
			}
		}
	}
	if flags&notifyKeyspace != 0 {
		b.WriteByte('K')
	}
	if flags&notifyKeyevent != 0 {
		b.WriteByte('E')
	}
	if flags&notifyKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String()
}

func setNotifyEvents(cfg *Config, argv []string) (string, string) {
	if len(argv) != 1 {
		if len(argv) == 0 {
			cfg.keyspaceEvents.Store(0)
			return "", ""
		}
		return "", "wrong number of arguments"
	}
	flags, ok := KeyspaceEventFlags(argv[0])
	if !ok {
		return "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
	}
	// Redis prints "A" for all classes, which does not include 'n': the
	// printed value can lose it, so the flags are kept as parsed.
	cfg.keyspaceEvents.Store(int64(flags))
	return keyspaceEventString(flags), ""
}

func setBind(cfg *Config, argv []string) (string, string) {
	if len(argv) > 16 {
		return "", "Too many bind addresses specified."
	}
	if len(argv) == 1 && argv[0] == "" {
		argv = nil
	}
	return strings.Join(argv, " "), ""
}

func setReplicaOf(cfg *Config, argv []string) (string, string) {
	if len(argv) == 0 {
		return "", "" // the default: no master
	}
	if len(argv) != 2 {
		return "", "wrong number of arguments"
	}
	if strings.EqualFold(argv[0], "no") && strings.EqualFold(argv[1], "one") {
		return "", ""
	}
	port, ok := parseCLong(argv[1])
	if !ok || port < 0 || port > 65535 {
		return "", "Invalid master port"
	}
	return fmt.Sprintf("%s %d", argv[0], port), ""
}

func setPercentiles(cfg *Config, argv []string) (string, string) {
	if len(argv) == 1 && argv[0] == "" {
		argv = nil
	}
	out := make([]string, 0, len(argv))
	for _, a := range argv {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil || strings.TrimSpace(a) != a || a == "" {
			return "", "Invalid latency-tracking-info-percentiles parameters"
		}
		if f > 100 || f < 0 {
			return "", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		out = append(out, trimDouble(strconv.FormatFloat(f, 'f', 6, 64)))
	}
	return strings.Join(out, " "), ""
}

// trimDouble drops trailing zeros (and a trailing point) of a %f rendering.
func trimDouble(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}
