package server

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// configParams describes every configuration parameter with Redis 7.0's
// names, defaults and ranges. Parameters flagged flagNoEffect are accepted so
// that any redis.conf loads, and are reported by CONFIG GET, but change
// nothing in Ember.
func configParams() []*param {
	return []*param{
		// Network.
		{name: "bind", kind: kindMulti, def: "127.0.0.1 -::1", flags: flagImmutable},
		{name: "port", kind: kindInt, def: "6379", min: 0, max: 65535, flags: flagImmutable},
		{name: "protected-mode", kind: kindBool, def: "yes"},
		{name: "tcp-backlog", kind: kindInt, def: "511", min: 0, max: math.MaxInt32, flags: flagImmutable | flagNoEffect},
		{name: "unixsocket", kind: kindString, def: "", flags: flagImmutable | flagNoEffect},
		{name: "unixsocketperm", kind: kindInt, def: "0", min: 0, max: 0777, flags: flagImmutable | flagNoEffect},
		{name: "timeout", kind: kindInt, def: "0", min: 0, max: math.MaxInt32, apply: func(cfg *Config, v string) (string, error) {
			n, _ := strconv.ParseInt(v, 10, 64)
			cfg.timeout.Store(int64(time.Duration(n) * time.Second))
			return v, nil
		}},
		{name: "tcp-keepalive", kind: kindInt, def: "300", min: 0, max: math.MaxInt32},

		// General.
		{name: "daemonize", kind: kindBool, def: "no", flags: flagImmutable | flagNoEffect},
		{name: "supervised", kind: kindEnum, def: "no", enum: []string{"upstart", "systemd", "auto", "no"}, flags: flagImmutable | flagNoEffect},
		{name: "pidfile", kind: kindString, def: "", flags: flagImmutable},
		{name: "loglevel", kind: kindEnum, def: "notice", enum: []string{"debug", "verbose", "notice", "warning", "nothing"}},
		{name: "logfile", kind: kindString, def: "", flags: flagImmutable},
		{name: "syslog-enabled", kind: kindBool, def: "no", flags: flagImmutable | flagNoEffect},
		{name: "syslog-ident", kind: kindString, def: "redis", flags: flagImmutable | flagNoEffect},
		{name: "syslog-facility", kind: kindEnum, def: "local0", enum: []string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}, flags: flagImmutable | flagNoEffect},
		{name: "databases", kind: kindInt, def: "16", min: 1, max: math.MaxInt32, flags: flagImmutable},
		{name: "always-show-logo", kind: kindBool, def: "no", flags: flagImmutable},
		{name: "set-proc-title", kind: kindBool, def: "yes", flags: flagImmutable | flagNoEffect},
		{name: "proc-title-template", kind: kindString, def: "{title} {listen-addr} {server-mode}", flags: flagNoEffect},
		{name: "hz", kind: kindInt, def: "10", min: 0, max: math.MaxInt32},
		{name: "dynamic-hz", kind: kindBool, def: "yes", flags: flagNoEffect},

		// Snapshotting.
		{name: "save", kind: kindMulti, def: "3600 1 300 100 60 10000"},
		{name: "dbfilename", kind: kindString, def: "dump.rdb", flags: flagProtected},
		{name: "dir", kind: kindString, def: ".", flags: flagProtected, apply: applyDir},
		{name: "rdbcompression", kind: kindBool, def: "yes"},
		{name: "rdbchecksum", kind: kindBool, def: "yes", flags: flagImmutable},
		{name: "stop-writes-on-bgsave-error", kind: kindBool, def: "yes"},

		// Security.
		{name: "requirepass", kind: kindString, def: "", flags: flagSensitive, apply: func(cfg *Config, v string) (string, error) {
			cfg.requirePass.Store(&v)
			return v, nil
		}},
		{name: "enable-protected-configs", kind: kindEnum, def: "no", enum: []string{"no", "yes", "local"}, flags: flagImmutable},
		{name: "enable-debug-command", kind: kindEnum, def: "no", enum: []string{"no", "yes", "local"}, flags: flagImmutable},
		{name: "enable-module-command", kind: kindEnum, def: "no", enum: []string{"no", "yes", "local"}, flags: flagImmutable},

		// Clients and limits.
		{name: "maxclients", kind: kindInt, def: "10000", min: 1, max: math.MaxInt32, apply: func(cfg *Config, v string) (string, error) {
			n, _ := strconv.ParseInt(v, 10, 64)
			cfg.maxClients.Store(n)
			return v, nil
		}},
		{name: "proto-max-bulk-len", kind: kindMemory, def: "536870912", min: 1024 * 1024, max: math.MaxInt64, apply: func(cfg *Config, v string) (string, error) {
			n, _ := strconv.ParseInt(v, 10, 64)
			cfg.protoMaxBulkLen.Store(n)
			return v, nil
		}},
		{name: "client-query-buffer-limit", kind: kindMemory, def: "1073741824", min: 1024 * 1024, max: math.MaxInt64, apply: func(cfg *Config, v string) (string, error) {
			n, _ := strconv.ParseInt(v, 10, 64)
			cfg.queryBufLimit.Store(n)
			return v, nil
		}},

		// Memory.
		{name: "maxmemory", kind: kindMemory, def: "0", min: 0, max: math.MaxInt64},
		{name: "maxmemory-policy", kind: kindEnum, def: "noeviction", enum: []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}},
		{name: "maxmemory-samples", kind: kindInt, def: "5", min: 1, max: 64},

		// Append only file.
		{name: "appendonly", kind: kindBool, def: "no"},
		{name: "appendfilename", kind: kindString, def: "appendonly.aof", flags: flagImmutable},
		{name: "appenddirname", kind: kindString, def: "appendonlydir", flags: flagImmutable},
		{name: "appendfsync", kind: kindEnum, def: "everysec", enum: []string{"always", "everysec", "no"}},

		// Encodings.
		{name: "hash-max-listpack-entries", aliases: []string{"hash-max-ziplist-entries"}, kind: kindInt, def: "128", min: 0, max: math.MaxInt64},
		{name: "hash-max-listpack-value", aliases: []string{"hash-max-ziplist-value"}, kind: kindInt, def: "64", min: 0, max: math.MaxInt64},
		{name: "list-max-listpack-size", aliases: []string{"list-max-ziplist-size"}, kind: kindInt, def: "-2", min: math.MinInt32, max: math.MaxInt32},
		{name: "list-compress-depth", kind: kindInt, def: "0", min: 0, max: math.MaxInt32},
		{name: "set-max-intset-entries", kind: kindInt, def: "512", min: 0, max: math.MaxInt64},
		{name: "zset-max-listpack-entries", aliases: []string{"zset-max-ziplist-entries"}, kind: kindInt, def: "128", min: 0, max: math.MaxInt64},
		{name: "zset-max-listpack-value", aliases: []string{"zset-max-ziplist-value"}, kind: kindInt, def: "64", min: 0, max: math.MaxInt64},

		// Lazy freeing: Ember frees in the background always (the Go collector).
		{name: "lazyfree-lazy-eviction", kind: kindBool, def: "no", flags: flagNoEffect},
		{name: "lazyfree-lazy-expire", kind: kindBool, def: "no", flags: flagNoEffect},
		{name: "lazyfree-lazy-server-del", kind: kindBool, def: "no", flags: flagNoEffect},
		{name: "lazyfree-lazy-user-del", kind: kindBool, def: "no", flags: flagNoEffect},
		{name: "lazyfree-lazy-user-flush", kind: kindBool, def: "no", flags: flagNoEffect},
	}
}

// applyDir checks that dir exists and stores it as an absolute path. Redis
// chdirs into it; Ember resolves its files against it instead, so that two
// servers in one process (tests) keep their own directories.
func applyDir(cfg *Config, v string) (string, error) {
	abs, err := filepath.Abs(v)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s is not a directory", v)
	}
	return abs, nil
}

func readAllStdin() ([]byte, error) { return io.ReadAll(os.Stdin) }

func absPath(p string) (string, error) { return filepath.Abs(p) }
