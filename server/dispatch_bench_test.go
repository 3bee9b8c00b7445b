package server

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"
	"time"
)

// Benchmarks of the whole request path (read, parse, look up, lock,
// execute, write the reply) over an in-memory connection, so that only
// Ember's own costs are measured: no sockets, no client. Run with
//
//	go test ./server/ -run XXX -bench Dispatch -benchmem
//
// allocs/op is per command.

// memConn is a net.Conn whose reads replay one batch of requests until n
// requests have been served, and whose writes are counted and discarded.
type memConn struct {
	batch   []byte // encoded requests, perBatch of them
	perRead int
	left    int // requests still to serve
	written int64
}

func (m *memConn) Read(b []byte) (int, error) {
	if m.left <= 0 {
		return 0, io.EOF
	}
	// One batch per read, as a client sending perRead requests at a time;
	// a short final batch when fewer remain.
	k := min(m.perRead, m.left)
	data := m.batch[:len(m.batch)/m.perRead*k]
	if len(b) < len(data) {
		panic("read buffer smaller than a batch")
	}
	m.left -= k
	return copy(b, data), nil
}

func (m *memConn) Write(b []byte) (int, error) { m.written += int64(len(b)); return len(b), nil }
func (m *memConn) Close() error                { return nil }
func (m *memConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379} }
func (m *memConn) RemoteAddr() net.Addr        { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (m *memConn) SetDeadline(time.Time) error { return nil }
func (m *memConn) SetReadDeadline(time.Time) error {
	return nil
}
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

func benchServer(b *testing.B) *Server {
	b.Helper()
	s, err := New(NewConfig(), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkDispatch is GET and SET of one key (which exists, as in
// redis-benchmark), one request per read or 16.
func BenchmarkDispatch(b *testing.B) {
	get := []string{"GET", "key:000000000001"}
	set := []string{"SET", "key:000000000001", "xxx"}
	for _, bc := range []struct {
		name    string
		req     []string
		perRead int
	}{
		{"GET", get, 1},
		{"SET", set, 1},
		{"GET/P16", get, 16},
		{"SET/P16", set, 16},
		{"INCR/P16", []string{"INCR", "counter:000000000001"}, 16},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchBatch(b, [][]string{set}, slices.Repeat([][]string{bc.req}, bc.perRead))
		})
	}
}

// benchKeyN is key i, all keys of one length, so that requests naming them
// are of one length too (memConn cuts short batches by length).
func benchKeyN(i int) string { return fmt.Sprintf("key:%012d", i) }

// benchBatch serves b.N requests read as batches of reqs (all of one
// encoded length), with setup run first on the same server.
func benchBatch(b *testing.B, setup [][]string, reqs [][]string) {
	s := benchServer(b)
	for _, args := range setup {
		s.serveConn(&memConn{batch: encodeRESP(args), perRead: 1, left: 1})
	}
	var batch []byte
	for _, args := range reqs {
		r := encodeRESP(args)
		if len(r) != len(encodeRESP(reqs[0])) {
			b.Fatal("requests of a batch must have one length")
		}
		batch = append(batch, r...)
	}
	conn := &memConn{batch: batch, perRead: len(reqs), left: b.N}
	b.ReportAllocs()
	b.SetBytes(int64(len(batch) / len(reqs)))
	b.ResetTimer()
	s.serveConn(conn)
	b.StopTimer()
	if conn.written == 0 {
		b.Fatal("no replies written")
	}
}

// BenchmarkDispatchBatch is pipelined batches of 16 commands on 16
// different keys, and MGET/MSET of 100 keys (allocs/op per command).
func BenchmarkDispatchBatch(b *testing.B) {
	var sets16, gets16 [][]string
	for i := range 16 {
		sets16 = append(sets16, []string{"SET", benchKeyN(i), "xxx"})
		gets16 = append(gets16, []string{"GET", benchKeyN(i)})
	}
	mget, mset := []string{"MGET"}, []string{"MSET"}
	var sets100 [][]string
	for i := range 100 {
		mget = append(mget, benchKeyN(i))
		mset = append(mset, benchKeyN(i), "xxx")
		sets100 = append(sets100, []string{"SET", benchKeyN(i), "xxx"})
	}
	b.Run("GET/P16-16keys", func(b *testing.B) { benchBatch(b, sets16, gets16) })
	b.Run("SET/P16-16keys", func(b *testing.B) { benchBatch(b, sets16, sets16) })
	b.Run("MGET-100keys", func(b *testing.B) { benchBatch(b, sets100, [][]string{mget}) })
	b.Run("MSET-100keys", func(b *testing.B) { benchBatch(b, nil, [][]string{mset}) })
}

// BenchmarkReqReader measures parsing alone.
func BenchmarkReqReader(b *testing.B) {
	for _, bc := range []struct {
		name string
		req  []byte
	}{
		{"RESP-SET", encodeRESP([]string{"SET", "key:000000000001", "xxx"})},
		{"inline-SET", []byte("SET key:000000000001 xxx\r\n")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			batch := bytes.Repeat(bc.req, 16)
			conn := &memConn{batch: batch, perRead: 16, left: b.N}
			lim := limits{maxBulk: 512 << 20, maxQueryBuf: 1 << 30}
			p := newReqReader()
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.req)))
			b.ResetTimer()
			for p.fill(conn, &lim) == nil {
				for {
					args, err := p.next(&lim)
					if err != nil {
						b.Fatal(err)
					}
					if args == nil {
						break
					}
				}
			}
		})
	}
}

// BenchmarkReplyWrite measures the non-blocking socket write behind every
// flush, on a loopback TCP connection drained by a reader.
func BenchmarkReplyWrite(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var o output
	o.init(c)
	msg := []byte("+OK\r\n")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.tryWrite(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDispatchCollections is redis-benchmark's collection tests as
// it sends them without -r (one key, one member), 16 per read.
func BenchmarkDispatchCollections(b *testing.B) {
	for _, bc := range []struct {
		name  string
		setup [][]string
		req   []string
	}{
		{"LPUSH", nil, []string{"LPUSH", "mylist", "xxx"}},
		{"RPOP", [][]string{{"RPUSH", "mylist", "a", "b", "c"}}, []string{"RPOP", "mylist"}},
		{"SADD", nil, []string{"SADD", "myset", "element:__rand_int__"}},
		{"HSET", nil, []string{"HSET", "myhash", "element:__rand_int__", "xxx"}},
		{"ZADD", nil, []string{"ZADD", "myzset", "0", "element:__rand_int__"}},
		{"ZPOPMIN", nil, []string{"ZPOPMIN", "myzset"}},
	} {
		b.Run(bc.name+"/P16", func(b *testing.B) {
			benchBatch(b, bc.setup, slices.Repeat([][]string{bc.req}, 16))
		})
	}
}
