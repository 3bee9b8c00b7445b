// Command ember-ceiling is a do-nothing RESP server built from Ember's own
// network layer (server.ServeCeiling): SET answers +OK and GET a fixed bulk
// without touching any data. ember-bench measures it next to ember-server to
// show how close Ember's command path comes to what its network layer
// allows.
//
//	ember-ceiling --port 7000 [--bind 127.0.0.1]
//
// Other "--name value" arguments (as ember-bench passes to every server)
// are ignored.
package main

import (
	"fmt"
	"net"
	"os"

	"github.com/ember-kv/ember/server"
)

func main() {
	port, bind := "6379", "127.0.0.1"
	args := os.Args[1:]
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--port":
			port = args[i+1]
			i++
		case "--bind":
			bind = args[i+1]
			i++
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(bind, port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ember-ceiling:", err)
		os.Exit(1)
	}
	server.StartGovernor(nil) // the same scheduling as ember-server
	fmt.Fprintln(os.Stderr, server.ServeCeiling(ln))
	os.Exit(1)
}
