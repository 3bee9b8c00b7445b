package server

import (
	"errors"
	"net"
)

// ServeCeiling serves ln with a do-nothing RESP server built from Ember's
// own network layer: the same goroutine per connection, the same request
// reader (the protocol guard in front of redcon.ReadNextCommand), the same
// reply encoder and the same non-blocking socket write as serveConn, but no
// command table, no locks, no store and no bookkeeping. SET answers +OK and
// GET a fixed 3-byte bulk (redis-benchmark's default payload) without
// touching any data. It is the throughput ceiling Ember's network layer
// allows (cmd/ember-ceiling, cmd/ember-bench -mode ceiling); it is not used
// by ember-server.
func ServeCeiling(ln net.Listener) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		go serveCeilingConn(nc)
	}
}

// ceilingValue is GET's reply: redis-benchmark's default 3-byte payload.
var ceilingValue = []byte("xxx")

func serveCeilingConn(nc net.Conn) {
	defer nc.Close()
	var o output
	o.init(nc)
	rd := newReqReader()
	lim := limits{maxBulk: 512 << 20, maxQueryBuf: 1 << 30}
	w := Reply{proto: 2}
	send := func() bool {
		n, err := o.tryWrite(w.b)
		if err == nil && n < len(w.b) {
			// The socket is full: wait for it (Ember hands this to a
			// writer goroutine instead; small replies never get here).
			_, err = nc.Write(w.b[n:])
		}
		w.Reset()
		return err == nil
	}
	for {
		if err := rd.fill(nc, &lim); err != nil {
			return
		}
		for {
			args, err := rd.next(&lim)
			if err != nil {
				var pe *protoError
				if errors.As(err, &pe) {
					w.Error(pe.msg)
				}
				send()
				return
			}
			if args == nil {
				break
			}
			ceilingReply(&w, args)
			if w.Len() > flushThreshold && !send() {
				return
			}
		}
		yieldToRound()
		if w.Len() > 0 && !send() {
			return
		}
	}
}

// ceilingReply answers one request without looking at any data.
func ceilingReply(w *Reply, args [][]byte) {
	name := args[0]
	switch {
	case asciiEqualFold(name, "GET"):
		w.Bulk(ceilingValue)
	case asciiEqualFold(name, "PING"):
		w.Simple("PONG")
	case asciiEqualFold(name, "CONFIG") && len(args) == 3:
		// redis-benchmark asks for "save" and "appendonly" first.
		w.Array(2)
		w.Bulk(args[2])
		w.BulkString("")
	default:
		w.OK()
	}
}

func asciiEqualFold(b []byte, upper string) bool {
	if len(b) != len(upper) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}
