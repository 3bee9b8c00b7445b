// Command ember-server runs an Ember server. It takes the same arguments as
// redis-server: an optional configuration file ("-" for stdin) followed by
// "--name value" overrides.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/ember-kv/ember/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(argv []string) int {
	if len(argv) == 1 {
		switch argv[0] {
		case "-v", "--version":
			fmt.Printf("Redis server v=%s sha=00000000:0 malloc=go bits=64 build=0 (Ember %s)\n", server.RedisVersion, server.Version)
			return 0
		case "-h", "--help":
			fmt.Fprintln(os.Stderr, "Usage: ./ember-server [/path/to/redis.conf] [options] [-]\n       ./ember-server - (read config from stdin)\n       ./ember-server -v or --version\n       ./ember-server -h or --help\n\nExamples:\n       ./ember-server (run the server with default config)\n       ./ember-server /etc/redis/6379.conf\n       ./ember-server --port 7777\n       ./ember-server /etc/myredis.conf --loglevel verbose -\n       ./ember-server /etc/myredis.conf --loglevel verbose")
			return 1
		}
	}
	file, stdin, overrides := server.ParseCommandLine(argv)
	cfg := server.NewConfig()
	if err := cfg.LoadFile(file, stdin, overrides); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var logOut io.Writer = os.Stdout
	showLogo := false
	if lf := cfg.MustGet("logfile"); lf != "" {
		f, err := os.OpenFile(lf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Can't open the log file: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut = f
	} else if st, err := os.Stdout.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		showLogo = true // Redis shows its logo when logging to a terminal
	}
	srv, err := server.New(cfg, logOut)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv.ShowLogo = showLogo
	// Signals are caught before listening, so a signal sent as soon as the
	// port answers is handled as a shutdown request.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	if err := srv.Listen(); err != nil {
		srv.Logger().Warnf("%v", err)
		return 1
	}
	srv.ApplyServerCPUList() // before the governor, which places Ember within it
	server.StartGovernor(srv.PinnableCPU)
	if path := os.Getenv("EMBER_CPUPROFILE"); path != "" {
		// Profiling for developers: a CPU profile of the whole run.
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	// Signals are handled while the dataset loads too (Serve returns
	// once it is loaded).
	go func() {
		for s := range sig {
			name := "SIGTERM"
			if s == syscall.SIGINT {
				name = "SIGINT"
			}
			srv.OnSignal(name)
		}
	}()
	srv.Serve()
	<-srv.Done()
	return srv.ExitCode()
}
