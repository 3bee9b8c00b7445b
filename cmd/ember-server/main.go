// Command ember-server runs an Ember server. It takes the same arguments as
// redis-server: an optional configuration file ("-" for stdin) followed by
// "--name value" overrides.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
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
			fmt.Printf("Ember server v=%s (Redis %s compatible) bits=64\n", server.Version, server.RedisVersion)
			return 0
		case "-h", "--help":
			fmt.Fprintln(os.Stderr, "Usage: ./ember-server [/path/to/ember.conf] [options] [-]\n       ./ember-server -v or --version\n       ./ember-server -h or --help\n\nExamples:\n       ./ember-server (run the server with default config)\n       ./ember-server /etc/ember/6379.conf\n       ./ember-server --port 7777\n       ./ember-server /etc/myember.conf --loglevel verbose -")
			return 1
		}
	}
	file, overrides := server.ParseCommandLine(argv)
	cfg := server.NewConfig()
	if err := cfg.LoadFile(file, overrides); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var logOut io.Writer = os.Stdout
	if lf := cfg.MustGet("logfile"); lf != "" {
		f, err := os.OpenFile(lf, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "Can't open the log file: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut = f
	}
	srv, err := server.New(cfg, logOut)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if pf := cfg.MustGet("pidfile"); pf != "" {
		if err := os.WriteFile(pf, fmt.Appendf(nil, "%d\n", os.Getpid()), 0o644); err == nil {
			defer os.Remove(pf)
		}
	}
	if err := srv.Listen(); err != nil {
		fmt.Fprintln(logOut, err)
		return 1
	}
	srv.Serve()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		srv.ShutdownOnSignal(s.String())
	case <-srv.Done():
	}
	srv.Shutdown()
	return srv.ExitCode()
}
