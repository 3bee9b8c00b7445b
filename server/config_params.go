package server

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Numeric parameter flags, as Redis's INTEGER/MEMORY/PERCENT/OCTAL_CONFIG.
const (
	numMemory  uint8 = 1 << iota // accepts 1k/1kb/... suffixes, printed as bytes
	numPercent                   // also accepts "N%", stored as -N
	numOctal                     // parsed and printed in base 8
)

// Bounds of C's types, for the numeric ranges of config.c.
const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	longMax  = math.MaxInt64
	llongMax = math.MaxInt64
	uintMax  = math.MaxUint32
	ullMax   = -1 // ULLONG_MAX as the bits of an int64 (unsigned parameters)
)

// Enumerations (config.c's configEnum tables), in Redis's order: the first
// name carrying a value is the one CONFIG GET prints.
var (
	enumMaxmemoryPolicy = []enumItem{{"volatile-lru", 1}, {"volatile-lfu", 2}, {"volatile-random", 3}, {"volatile-ttl", 4}, {"allkeys-lru", 5}, {"allkeys-lfu", 6}, {"allkeys-random", 7}, {"noeviction", 8}}
	enumSyslogFacility  = []enumItem{{"user", 8}, {"local0", 128}, {"local1", 136}, {"local2", 144}, {"local3", 152}, {"local4", 160}, {"local5", 168}, {"local6", 176}, {"local7", 184}}
	enumLoglevel        = []enumItem{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}
	enumSupervised      = []enumItem{{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}}
	enumAppendfsync     = []enumItem{{"everysec", 2}, {"always", 1}, {"no", 0}}
	enumShutdownOnSig   = []enumItem{{"default", 0}, {"save", 2}, {"nosave", 1}, {"now", 4}, {"force", 8}}
	enumReplDisklessLd  = []enumItem{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}
	enumTLSAuthClients  = []enumItem{{"no", 0}, {"yes", 1}, {"optional", 2}}
	enumOOMScoreAdj     = []enumItem{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	enumACLPubsub       = []enumItem{{"allchannels", 1}, {"resetchannels", 0}}
	enumSanitizeDump    = []enumItem{{"no", 0}, {"yes", 1}, {"clients", 2}}
	enumProtected       = []enumItem{{"no", 0}, {"yes", 1}, {"local", 2}}
	enumEndpointType    = []enumItem{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	enumPropagationErr  = []enumItem{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}
)

// Constructors for the table, mirroring config.c's create*Config macros.

func boolP(name, alias string, flags paramFlag, def bool) *param {
	d := "no"
	if def {
		d = "yes"
	}
	return &param{name: name, alias: alias, typ: typBool, flags: flags, def: d}
}

// stringP is a string parameter; emptyNull marks Redis's EMPTY_STRING_IS_NULL
// (the value is absent rather than empty, which CONFIG REWRITE leaves out).
func stringP(name, alias string, flags paramFlag, emptyNull bool, def string, valid func(string) string) *param {
	return &param{name: name, alias: alias, typ: typString, flags: flags, def: def, emptyNull: emptyNull, valid: valid}
}

func enumP(name, alias string, flags paramFlag, items []enumItem, def int) *param {
	return &param{name: name, alias: alias, typ: typEnum, flags: flags, enum: items, defN: int64(def)}
}

// numP is a numeric parameter: unsigned selects C's unsigned comparison
// (unsigned int, unsigned long long, size_t), nflags memory/percent/octal.
func numP(name, alias string, flags paramFlag, unsigned bool, min, max, def int64, nflags uint8) *param {
	return &param{name: name, alias: alias, typ: typNum, flags: flags, unsigned: unsigned, min: min, max: max, defN: def, nflags: nflags}
}

func specialP(name, alias string, flags paramFlag, def string, set func(cfg *Config, argv []string) (string, string), rewrite func(cfg *Config, p *param, st *rewriteState)) *param {
	return &param{name: name, alias: alias, typ: typSpecial, flags: flags, def: def, setSpecial: set, rewrite: rewrite}
}

const (
	imm  = flagImmutable
	noe  = flagNoEffect
	hid  = flagHidden
	prot = flagProtected
	sens = flagSensitive
	mul  = flagMultiArg
)

// configParams describes every parameter of Redis 7.0's config.c table,
// in its order, with Redis's types, defaults, ranges and flags. Parameters
// flagged flagNoEffect are accepted (so any redis.conf loads) and reported
// by CONFIG GET, but change nothing in Ember; setting one in the
// configuration is logged once at start-up.
func configParams() []*param {
	ps := []*param{
		// Bool configs.
		boolP("rdbchecksum", "", imm, true),
		boolP("daemonize", "", imm|noe, false),
		boolP("io-threads-do-reads", "", imm|noe, false),
		boolP("always-show-logo", "", imm, false),
		boolP("protected-mode", "", 0, true),
		boolP("rdbcompression", "", 0, true),
		boolP("rdb-del-sync-files", "", noe, false),
		boolP("activerehashing", "", noe, true),
		boolP("stop-writes-on-bgsave-error", "", 0, true),
		boolP("set-proc-title", "", imm|noe, true),
		boolP("dynamic-hz", "", noe, true),
		boolP("lazyfree-lazy-eviction", "", noe, false),
		boolP("lazyfree-lazy-expire", "", noe, false),
		boolP("lazyfree-lazy-server-del", "", noe, false),
		boolP("lazyfree-lazy-user-del", "", noe, false),
		boolP("lazyfree-lazy-user-flush", "", noe, false),
		boolP("repl-disable-tcp-nodelay", "", noe, false),
		boolP("repl-diskless-sync", "", noe, true),
		boolP("aof-rewrite-incremental-fsync", "", 0, true),
		boolP("no-appendfsync-on-rewrite", "", 0, false),
		boolP("cluster-require-full-coverage", "", noe, true),
		boolP("rdb-save-incremental-fsync", "", 0, true),
		boolP("aof-load-truncated", "", 0, true),
		boolP("aof-use-rdb-preamble", "", 0, true),
		boolP("aof-timestamp-enabled", "", 0, false),
		boolP("cluster-replica-no-failover", "cluster-slave-no-failover", noe, false),
		boolP("replica-lazy-flush", "slave-lazy-flush", noe, false),
		boolP("replica-serve-stale-data", "slave-serve-stale-data", noe, true),
		boolP("replica-read-only", "slave-read-only", noe, true),
		boolP("replica-ignore-maxmemory", "slave-ignore-maxmemory", noe, true),
		boolP("jemalloc-bg-thread", "", noe, true),
		boolP("activedefrag", "", noe, false),
		boolP("syslog-enabled", "", imm|noe, false),
		boolP("cluster-enabled", "", imm|noe, false),
		boolP("appendonly", "", flagDenyLoading, false),
		boolP("cluster-allow-reads-when-down", "", noe, false),
		boolP("cluster-allow-pubsubshard-when-down", "", noe, true),
		boolP("crash-log-enabled", "", noe, true),
		boolP("crash-memcheck-enabled", "", noe, true),
		boolP("use-exit-on-panic", "", hid|noe, false),
		boolP("disable-thp", "", imm|noe, true),
		boolP("cluster-allow-replica-migration", "", noe, true),
		boolP("replica-announced", "", noe, true),
		boolP("latency-tracking", "", 0, true),
		boolP("aof-disable-auto-gc", "", 0, false),
		boolP("replica-ignore-disk-write-errors", "", noe, false),

		// String configs.
		stringP("aclfile", "", imm, false, "", nil),
		stringP("unixsocket", "", imm|noe, true, "", nil),
		stringP("pidfile", "", imm, true, "", nil),
		stringP("replica-announce-ip", "slave-announce-ip", noe, true, "", nil),
		stringP("masteruser", "", sens|noe, true, "", nil),
		stringP("cluster-announce-ip", "", noe, true, "", nil),
		stringP("cluster-config-file", "", imm|noe, false, "nodes.conf", nil),
		stringP("cluster-announce-hostname", "", noe, true, "", validHostname),
		stringP("syslog-ident", "", imm|noe, false, "redis", nil),
		stringP("dbfilename", "", prot, false, "dump.rdb", validDBFilename),
		stringP("appendfilename", "", imm, false, "appendonly.aof", validAOFFilename),
		stringP("appenddirname", "", imm, false, "appendonlydir", validAOFDirname),
		stringP("server_cpulist", "", imm, true, "", nil),
		stringP("bio_cpulist", "", imm|noe, true, "", nil),
		stringP("aof_rewrite_cpulist", "", imm|noe, true, "", nil),
		stringP("bgsave_cpulist", "", imm|noe, true, "", nil),
		stringP("ignore-warnings", "", noe, false, "", nil),
		stringP("proc-title-template", "", noe, false, "{title} {listen-addr} {server-mode}", validProcTitle),
		stringP("bind-source-addr", "", noe, true, "", nil),
		stringP("logfile", "", imm, false, "", nil),

		// SDS configs.
		stringP("masterauth", "", sens|noe, true, "", nil),
		stringP("requirepass", "", sens, true, "", nil),

		// Enum configs.
		enumP("supervised", "", imm|noe, enumSupervised, 0),
		enumP("syslog-facility", "", imm|noe, enumSyslogFacility, 128),
		enumP("repl-diskless-load", "", noe|flagDenyLoading, enumReplDisklessLd, 0),
		enumP("loglevel", "", 0, enumLoglevel, 2),
		enumP("maxmemory-policy", "", 0, enumMaxmemoryPolicy, 8),
		enumP("appendfsync", "", 0, enumAppendfsync, 2),
		enumP("oom-score-adj", "", noe, enumOOMScoreAdj, 0),
		enumP("acl-pubsub-default", "", 0, enumACLPubsub, 0),
		enumP("sanitize-dump-payload", "", 0, enumSanitizeDump, 0),
		enumP("enable-protected-configs", "", imm, enumProtected, 0),
		enumP("enable-debug-command", "", imm, enumProtected, 0),
		enumP("enable-module-command", "", imm, enumProtected, 0),
		enumP("cluster-preferred-endpoint-type", "", noe, enumEndpointType, 0),
		enumP("propagation-error-behavior", "", noe, enumPropagationErr, 0),
		enumP("shutdown-on-sigint", "", mul, enumShutdownOnSig, 0),
		enumP("shutdown-on-sigterm", "", mul, enumShutdownOnSig, 0),

		// Integer configs.
		numP("databases", "", imm, false, 1, intMax, 16, 0),
		numP("port", "", 0, false, 0, 65535, 6379, 0),
		numP("io-threads", "", imm|noe, false, 1, 128, 1, 0),
		numP("auto-aof-rewrite-percentage", "", 0, false, 0, intMax, 100, 0),
		numP("cluster-replica-validity-factor", "cluster-slave-validity-factor", noe, false, 0, intMax, 10, 0),
		numP("list-max-listpack-size", "list-max-ziplist-size", 0, false, intMin, intMax, -2, 0),
		numP("tcp-keepalive", "", 0, false, 0, intMax, 300, 0),
		numP("cluster-migration-barrier", "", noe, false, 0, intMax, 1, 0),
		numP("active-defrag-cycle-min", "", noe, false, 1, 99, 1, 0),
		numP("active-defrag-cycle-max", "", noe, false, 1, 99, 25, 0),
		numP("active-defrag-threshold-lower", "", noe, false, 0, 1000, 10, 0),
		numP("active-defrag-threshold-upper", "", noe, false, 0, 1000, 100, 0),
		numP("lfu-log-factor", "", 0, false, 0, intMax, 10, 0),
		numP("lfu-decay-time", "", 0, false, 0, intMax, 1, 0),
		numP("replica-priority", "slave-priority", noe, false, 0, intMax, 100, 0),
		numP("repl-diskless-sync-delay", "", noe, false, 0, intMax, 5, 0),
		numP("maxmemory-samples", "", 0, false, 1, intMax, 5, 0),
		numP("maxmemory-eviction-tenacity", "", 0, false, 0, 100, 10, 0),
		numP("timeout", "", 0, false, 0, intMax, 0, 0),
		numP("replica-announce-port", "slave-announce-port", noe, false, 0, 65535, 0, 0),
		numP("tcp-backlog", "", imm|noe, false, 0, intMax, 511, 0),
		numP("cluster-port", "", imm|noe, false, 0, 65535, 0, 0),
		numP("cluster-announce-bus-port", "", noe, false, 0, 65535, 0, 0),
		numP("cluster-announce-port", "", noe, false, 0, 65535, 0, 0),
		numP("cluster-announce-tls-port", "", noe, false, 0, 65535, 0, 0),
		numP("repl-timeout", "", noe, false, 1, intMax, 60, 0),
		numP("repl-ping-replica-period", "repl-ping-slave-period", noe, false, 1, intMax, 10, 0),
		numP("list-compress-depth", "", 0, false, 0, intMax, 0, 0),
		numP("rdb-key-save-delay", "", hid, false, intMin, intMax, 0, 0),
		numP("key-load-delay", "", hid, false, intMin, intMax, 0, 0),
		numP("active-expire-effort", "", 0, false, 1, 10, 1, 0),
		numP("hz", "", 0, false, 0, intMax, 10, 0),
		numP("min-replicas-to-write", "min-slaves-to-write", noe, false, 0, intMax, 0, 0),
		numP("min-replicas-max-lag", "min-slaves-max-lag", noe, false, 0, intMax, 10, 0),
		numP("watchdog-period", "", hid|noe, false, 0, intMax, 0, 0),
		numP("shutdown-timeout", "", 0, false, 0, intMax, 10, 0),
		numP("repl-diskless-sync-max-replicas", "", noe, false, 0, intMax, 0, 0),

		// Unsigned int configs.
		numP("maxclients", "", 0, true, 1, uintMax, 10000, 0),
		numP("unixsocketperm", "", imm|noe, true, 0, 0o777, 0, numOctal),
		numP("socket-mark-id", "", imm|noe, true, 0, uintMax, 0, 0),

		// Unsigned long configs (compared as signed, as config.c does).
		numP("active-defrag-max-scan-fields", "", noe, false, 1, longMax, 1000, 0),
		numP("slowlog-max-len", "", 0, false, 0, longMax, 128, 0),
		numP("acllog-max-len", "", 0, false, 0, longMax, 128, 0),

		// Long long configs.
		numP("busy-reply-threshold", "lua-time-limit", 0, false, 0, longMax, 5000, 0),
		numP("cluster-node-timeout", "", noe, false, 0, llongMax, 15000, 0),
		numP("slowlog-log-slower-than", "", 0, false, -1, llongMax, 10000, 0),
		numP("latency-monitor-threshold", "", 0, false, 0, llongMax, 0, 0),
		numP("proto-max-bulk-len", "", 0, false, 1024*1024, longMax, 512*1024*1024, numMemory),
		numP("stream-node-max-entries", "", 0, false, 0, llongMax, 100, 0),
		numP("repl-backlog-size", "", noe, false, 1, llongMax, 1024*1024, numMemory),

		// Unsigned long long configs.
		numP("maxmemory", "", 0, true, 0, ullMax, 0, numMemory),
		numP("cluster-link-sendbuf-limit", "", noe, true, 0, ullMax, 0, numMemory),

		// Size_t configs.
		numP("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, true, 0, longMax, 512, 0),
		numP("set-max-intset-entries", "", 0, true, 0, longMax, 512, 0),
		numP("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, true, 0, longMax, 128, 0),
		numP("active-defrag-ignore-bytes", "", noe, true, 1, llongMax, 100<<20, numMemory),
		numP("hash-max-listpack-value", "hash-max-ziplist-value", 0, true, 0, longMax, 64, numMemory),
		numP("stream-node-max-bytes", "", 0, true, 0, longMax, 4096, numMemory),
		numP("zset-max-listpack-value", "zset-max-ziplist-value", 0, true, 0, longMax, 64, numMemory),
		numP("hll-sparse-max-bytes", "", 0, true, 0, longMax, 3000, numMemory),
		numP("tracking-table-max-keys", "", 0, true, 0, longMax, 1000000, 0),
		numP("client-query-buffer-limit", "", 0, true, 1024*1024, longMax, 1024*1024*1024, numMemory),
		numP("maxmemory-clients", "", noe, false, -100, math.MaxInt64, 0, numMemory|numPercent),

		// Other numeric configs.
		numP("repl-backlog-ttl", "", noe, false, 0, longMax, 60*60, 0),
		numP("auto-aof-rewrite-min-size", "", 0, false, 0, llongMax, 64*1024*1024, numMemory),
		numP("loading-process-events-interval-bytes", "", hid|noe, false, 1024, intMax, 1024*1024*2, 0),

		// TLS (server/tls.go). Go's crypto/tls has no server cipher preference,
		// DH parameters or session cache sizing, and Ember neither replicates
		// nor clusters: those stay without effect.
		numP("tls-port", "", 0, false, 0, 65535, 0, 0),
		numP("tls-session-cache-size", "", noe, false, 0, intMax, 20*1024, 0),
		numP("tls-session-cache-timeout", "", noe, false, 0, intMax, 300, 0),
		boolP("tls-cluster", "", noe, false),
		boolP("tls-replication", "", noe, false),
		enumP("tls-auth-clients", "", 0, enumTLSAuthClients, 1),
		boolP("tls-prefer-server-ciphers", "", noe, false),
		boolP("tls-session-caching", "", 0, true),
		stringP("tls-cert-file", "", 0, true, "", nil),
		stringP("tls-key-file", "", 0, true, "", nil),
		stringP("tls-key-file-pass", "", 0, true, "", nil),
		stringP("tls-client-cert-file", "", noe, true, "", nil),
		stringP("tls-client-key-file", "", noe, true, "", nil),
		stringP("tls-client-key-file-pass", "", noe, true, "", nil),
		stringP("tls-dh-params-file", "", noe, true, "", nil),
		stringP("tls-ca-cert-file", "", 0, true, "", nil),
		stringP("tls-ca-cert-dir", "", 0, true, "", nil),
		stringP("tls-protocols", "", 0, true, "", nil),
		stringP("tls-ciphers", "", 0, true, "", nil),
		stringP("tls-ciphersuites", "", 0, true, "", nil),

		// Special configs.
		specialP("dir", "", prot|flagDenyLoading, ".", setDir, rewriteDir),
		specialP("save", "", mul, "3600 1 300 100 60 10000", setSave, rewriteSave),
		specialP("client-output-buffer-limit", "", mul, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", setObufLimit, rewriteObufLimit),
		specialP("oom-score-adj-values", "", noe|mul, "0 200 800", setOOMValues, rewriteOOMValues),
		specialP("notify-keyspace-events", "", 0, "", setNotifyEvents, rewriteNotifyEvents),
		// Redis binds every interface by default; Ember binds loopback
		// unless told otherwise (as the shipped redis.conf does).
		specialP("bind", "", mul, "127.0.0.1 -::1", setBind, rewriteBind),
		specialP("replicaof", "slaveof", imm|mul, "", setReplicaOf, rewriteReplicaOf),
		specialP("latency-tracking-info-percentiles", "", mul, "50 99 99.9", setPercentiles, rewritePercentiles),
	}
	return ps
}

// pathIsBaseName reports whether p has no directory part (Redis's check).
func pathIsBaseName(p string) bool { return !strings.ContainsAny(p, "/\\") }

func validDBFilename(v string) string {
	if !pathIsBaseName(v) {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFFilename(v string) string {
	if v == "" {
		return "appendfilename can't be empty"
	}
	if !pathIsBaseName(v) {
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFDirname(v string) string {
	if v == "" {
		return "appenddirname can't be empty"
	}
	if !pathIsBaseName(v) {
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

func validHostname(v string) string {
	if len(v) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// validProcTitle accepts templates whose {variables} are the ones Redis
// knows and that expand to something non-empty.
func validProcTitle(v string) string {
	const bad = "template format is invalid or contains unknown variables"
	known := []string{"{title}", "{listen-addr}", "{server-mode}", "{port}", "{tls-port}", "{unixsocket}", "{config-file}"}
	rest := v
	expanded := 0
	for rest != "" {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			expanded += len(strings.TrimSpace(rest))
			break
		}
		if rest[i] == '}' {
			return bad
		}
		expanded += len(strings.TrimSpace(rest[:i]))
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return bad
		}
		name := rest[i : i+j+1]
		ok := false
		for _, k := range known {
			if k == name {
				ok = true
			}
		}
		if !ok {
			return bad
		}
		if name == "{title}" || name == "{listen-addr}" || name == "{server-mode}" || name == "{port}" {
			expanded++
		}
		rest = rest[i+j+1:]
	}
	if expanded == 0 {
		return bad
	}
	return ""
}

// errnoText renders an OS error as C's strerror does ("No such file or
// directory"), for the messages Redis builds from errno.
func errnoText(err error) string {
	var en syscall.Errno
	for e := err; e != nil; {
		if x, ok := e.(syscall.Errno); ok {
			en = x
			break
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	s := err.Error()
	if en != 0 {
		s = en.Error()
	}
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

func readAllStdin() ([]byte, error) { return io.ReadAll(os.Stdin) }

func absPath(p string) (string, error) { return filepath.Abs(p) }
