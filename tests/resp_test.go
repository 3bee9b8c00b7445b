package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawConn speaks RESP to a server and returns replies as raw bytes, for
// byte-for-byte comparison.
type rawConn struct {
	c  net.Conn
	rd *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c: c, rd: bufio.NewReader(c)}
}

// encode renders args as a RESP multibulk request.
func encode(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// Do sends one command and returns its raw reply.
func (r *rawConn) Do(args ...string) (string, error) {
	if err := r.Send(encode(args...)); err != nil {
		return "", err
	}
	return r.ReadReply()
}

// Send writes raw bytes.
func (r *rawConn) Send(b []byte) error {
	_ = r.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := r.c.Write(b)
	return err
}

// ReadReply reads one complete reply, raw.
func (r *rawConn) ReadReply() (string, error) {
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	err := readRESP(r.rd, &b)
	return b.String(), err
}

// readRESP copies one RESP2/RESP3 value from rd to out.
func readRESP(rd *bufio.Reader, out *bytes.Buffer) error {
	line, err := rd.ReadString('\n')
	if err != nil {
		return err
	}
	out.WriteString(line)
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	body := strings.TrimSuffix(line[1:], "\r\n")
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io_ReadFull(rd, buf); err != nil {
			return err
		}
		out.Write(buf)
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readRESP(rd, out); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown RESP type in %q", line)
}

func io_ReadFull(rd *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := rd.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// splitCommand splits a case line into arguments with redis-cli's quoting:
// "double quotes" with \n \r \t \xHH escapes, 'single quotes'.
func splitCommand(line string) []string {
	var args []string
	var cur strings.Builder
	inArg, inq, insq := false, false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inq:
			switch {
			case c == '\\' && i+3 < len(line) && line[i+1] == 'x':
				v, err := strconv.ParseUint(line[i+2:i+4], 16, 8)
				if err == nil {
					cur.WriteByte(byte(v))
					i += 3
				} else {
					cur.WriteByte(c)
				}
			case c == '\\' && i+1 < len(line):
				i++
				switch line[i] {
				case 'n':
					cur.WriteByte('\n')
				case 'r':
					cur.WriteByte('\r')
				case 't':
					cur.WriteByte('\t')
				default:
					cur.WriteByte(line[i])
				}
			case c == '"':
				inq = false
			default:
				cur.WriteByte(c)
			}
		case insq:
			if c == '\'' {
				insq = false
			} else {
				cur.WriteByte(c)
			}
		case c == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '"':
			inq, inArg = true, true
		case c == '\'':
			insq, inArg = true, true
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}
