package tests

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// End-to-end tests of authentication, ACL users, the ACL file, protected
// mode, protected configs and rename-command, through real connections.

func aclDo(t *testing.T, c *rawConn, want string, args ...string) {
	t.Helper()
	got, err := c.Do(args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	if got != want {
		t.Fatalf("%v: %q, want %q", args, got, want)
	}
}

func TestAuth_Flows(t *testing.T) {
	p := startEmber(t, "--requirepass", "s3cret")
	c := dialRaw(t, p.Addr)
	aclDo(t, c, "-NOAUTH Authentication required.\r\n", "GET", "k")
	aclDo(t, c, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "nope")
	aclDo(t, c, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "default", "nope")
	aclDo(t, c, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n", "HELLO", "2")
	aclDo(t, c, "+OK\r\n", "AUTH", "s3cret")
	aclDo(t, c, "$-1\r\n", "GET", "k")
	aclDo(t, c, "$7\r\ndefault\r\n", "ACL", "WHOAMI")

	// HELLO AUTH authenticates and switches protocol at once.
	h := dialRaw(t, p.Addr)
	if r, _ := h.Do("HELLO", "3", "AUTH", "default", "bad"); !strings.HasPrefix(r, "-WRONGPASS") {
		t.Fatalf("HELLO AUTH bad: %q", r)
	}
	if r, _ := h.Do("HELLO", "3", "AUTH", "default", "s3cret"); !strings.HasPrefix(r, "%7") {
		t.Fatalf("HELLO AUTH: %q", r)
	}

	// Failed attempts: Redis 7.0 counts them in the error statistics
	// (errorstat_WRONGPASS) and the ACL log; INFO has no field of its own.
	info, _ := c.Do("INFO", "errorstats")
	if !strings.Contains(info, "errorstat_WRONGPASS:count=3") || !strings.Contains(info, "errorstat_NOAUTH:count=3") {
		t.Errorf("INFO errorstats: %q", info)
	}
	log := c.doValue(t, "ACL", "LOG").([]any)
	if len(log) != 2 || pairs(log[0])["reason"] != "auth" || pairs(log[0])["count"] != int64(1) || pairs(log[1])["count"] != int64(2) {
		t.Errorf("ACL LOG: %v", log)
	}

	// requirepass is the default user's password.
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "requirepass", "other")
	if u := pairs(c.doValue(t, "ACL", "GETUSER", "default")); fmt.Sprint(u["passwords"]) != "[d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa]" {
		t.Errorf("default user after CONFIG SET requirepass: %v", u)
	}
	n := dialRaw(t, p.Addr)
	aclDo(t, n, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "s3cret")
	aclDo(t, n, "+OK\r\n", "AUTH", "other")
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "requirepass", "")
	free := dialRaw(t, p.Addr)
	aclDo(t, free, "+PONG\r\n", "PING")
	aclDo(t, free, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", "AUTH", "x")
}

func TestACL_UsersWithGoRedis(t *testing.T) {
	p := startEmber(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := newGoRedis(t, p.Addr, 3)
	for _, args := range [][]any{
		{"ACL", "SETUSER", "app", "on", ">apppw", "~app:*", "+@read", "+@write", "-@dangerous", "+ping", "+acl|whoami"},
		{"ACL", "SETUSER", "off-user", "off", ">pw", "+@all", "~*"},
	} {
		if err := admin.Do(ctx, args...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, proto := range []int{2, 3} {
		app := redis.NewClient(&redis.Options{Addr: p.Addr, Username: "app", Password: "apppw", Protocol: proto})
		defer app.Close()
		if who, err := app.Do(ctx, "ACL", "WHOAMI").Text(); err != nil || who != "app" {
			t.Fatalf("resp%d WHOAMI: %q %v", proto, who, err)
		}
		if err := app.Set(ctx, "app:k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := app.Set(ctx, "other", "v", 0).Err(); err == nil || err.Error() != "NOPERM this user has no permissions to access one of the keys used as arguments" {
			t.Errorf("SET other: %v", err)
		}
		if err := app.Do(ctx, "CLIENT", "LIST").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'client|list' command" {
			t.Errorf("CLIENT LIST: %v", err)
		}
		if err := app.Do(ctx, "CONFIG", "GET", "port").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'config|get' command" {
			t.Errorf("CONFIG GET: %v", err)
		}
	}
	bad := redis.NewClient(&redis.Options{Addr: p.Addr, Username: "off-user", Password: "pw", MaxRetries: -1})
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("disabled user: %v", err)
	}
}

func TestACL_DelUserDisconnects(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	aclDo(t, admin, "+OK\r\n", "ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*")
	victim := dialRaw(t, p.Addr)
	aclDo(t, victim, "+OK\r\n", "AUTH", "u", "x")
	self := dialRaw(t, p.Addr)
	aclDo(t, self, "+OK\r\n", "AUTH", "u", "x")
	// Deleting one's own user answers, then closes the connection.
	aclDo(t, self, ":1\r\n", "ACL", "DELUSER", "u")
	if _, err := self.Do("PING"); err == nil {
		t.Error("the client that deleted its own user is still connected")
	}
	if _, err := victim.Do("PING"); err == nil {
		t.Error("a client of the deleted user is still connected")
	}
	aclDo(t, admin, "+PONG\r\n", "PING")
	// Disabling a user keeps its connections.
	aclDo(t, admin, "+OK\r\n", "ACL", "SETUSER", "v", "on", "nopass", "+@all", "~*")
	kept := dialRaw(t, p.Addr)
	aclDo(t, kept, "+OK\r\n", "AUTH", "v", "x")
	aclDo(t, admin, "+OK\r\n", "ACL", "SETUSER", "v", "off", "-ping")
	aclDo(t, kept, "-NOPERM this user has no permissions to run the 'ping' command\r\n", "PING")
	aclDo(t, kept, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "v", "x")
	// CLIENT KILL USER and CLIENT LIST see ACL users.
	list, _ := admin.Do("CLIENT", "LIST")
	if !strings.Contains(list, "user=v ") {
		t.Errorf("CLIENT LIST: %q", list)
	}
	aclDo(t, admin, ":1\r\n", "CLIENT", "KILL", "USER", "v")
	aclDo(t, admin, "-ERR No such user 'nobody'\r\n", "CLIENT", "KILL", "USER", "nobody")
}

func TestACL_EXECRechecksPermissions(t *testing.T) {
	p := startEmber(t)
	admin := dialRaw(t, p.Addr)
	aclDo(t, admin, "+OK\r\n", "ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*")
	c := dialRaw(t, p.Addr)
	aclDo(t, c, "+OK\r\n", "AUTH", "u", "x")
	aclDo(t, c, "+OK\r\n", "MULTI")
	aclDo(t, c, "+QUEUED\r\n", "SET", "k", "v")
	aclDo(t, c, "+QUEUED\r\n", "GET", "k")
	aclDo(t, admin, "+OK\r\n", "ACL", "SETUSER", "u", "-set")
	aclDo(t, c, "*2\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand\r\n$-1\r\n", "EXEC")
	e := pairs(admin.doValue(t, "ACL", "LOG", "1").([]any)[0])
	if e["context"] != "multi" || e["object"] != "set" || e["reason"] != "command" {
		t.Errorf("ACL LOG: %v", e)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestACL_FileLoadAndSave(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.acl")
	writeFile(t, file, "user default on nopass ~* &* +@all\nuser alice on >alice ~a:* +get\n\n")
	p := startEmber(t, "--aclfile", file)
	c := dialRaw(t, p.Addr)
	a := dialRaw(t, p.Addr)
	aclDo(t, a, "+OK\r\n", "AUTH", "alice", "alice")
	aclDo(t, c, "+OK\r\n", "ACL", "SETUSER", "bob", "on", ">bob", "+@set", "~*")
	aclDo(t, c, "+OK\r\n", "ACL", "SAVE")
	data, _ := os.ReadFile(file)
	want := "user alice on #2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90 ~a:* resetchannels -@all +get\n" +
		"user bob on #81b637d8fcd2c6da6359e6963113a1170de795e4b725b84d1e0b4cfd9ec58ce9 ~* resetchannels -@all +@set\n" +
		"user default on nopass ~* &* +@all\n"
	if string(data) != want {
		t.Errorf("ACL SAVE wrote %q, want %q", data, want)
	}
	// ACL LOAD replaces the users: alice's connection is closed.
	writeFile(t, file, "user carol on nopass +@all ~*\nuser default on >dpw ~* &* +@all\n")
	aclDo(t, c, "+OK\r\n", "ACL", "LOAD")
	if _, err := a.Do("PING"); err == nil {
		t.Error("alice is still connected after ACL LOAD")
	}
	aclDo(t, c, "*2\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n", "ACL", "USERS")
	aclDo(t, c, "+PONG\r\n", "PING") // the default user keeps its connections
	n := dialRaw(t, p.Addr)
	aclDo(t, n, "-NOAUTH Authentication required.\r\n", "PING")
	// A broken file changes nothing.
	writeFile(t, file, "user x on\nuser x off\nnot a user\nuser y +nosuch badop bad2\nuser z (~a\n")
	r, _ := c.Do("ACL", "LOAD")
	wantErr := fmt.Sprintf("-ERR WARNING: Duplicate user 'x' found on line 2. %[1]s:3 should start with user keyword followed by the username. %[1]s:4: Error in applying operation '+nosuch': Unknown command or category name in ACL. %[1]s:4: Syntax error. %[1]s:5: Unmatched parenthesis in selector definition.WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n", file)
	if r != wantErr {
		t.Errorf("ACL LOAD broken file:\n got %q\nwant %q", r, wantErr)
	}
	aclDo(t, c, "*2\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n", "ACL", "USERS")
	os.Remove(file)
	aclDo(t, c, fmt.Sprintf("-ERR Error loading ACLs, opening file '%s': No such file or directory\r\n", file), "ACL", "LOAD")
}

// The ACL file's errors are Redis's, byte for byte.
func TestACL_FileErrorsMatchRedis(t *testing.T) {
	redisBin := needRedis(t)
	texts := []string{
		"user a on\nuser a off\n",
		"usr a\nuser\n",
		"user a on >p ~x +get\nuser b +nosuch -nosuch2 %X~y bogus\n",
		"user a (+get ~x\n",
		"user a on\tnopass\n",
		"user default off\n",
		"\n\n   \nuser a on  nopass\n",
	}
	for _, text := range texts {
		var got [2]string
		for i, bin := range []string{emberBin, redisBin} {
			dir := t.TempDir()
			file := filepath.Join(dir, "u.acl")
			writeFile(t, file, "")
			p, err := startProc(bin, dir, "--aclfile", file, "--save", "")
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, file, text)
			c := dialRaw(t, p.Addr)
			r, _ := c.Do("ACL", "LOAD")
			l, _ := c.Do("ACL", "LIST")
			got[i] = strings.ReplaceAll(r+l, dir, "DIR")
			p.Stop()
		}
		if got[0] != got[1] {
			t.Errorf("ACL file %q:\nember %q\nredis %q", text, got[0], got[1])
		}
	}
}

func TestACL_ConfigUsers(t *testing.T) {
	bins := []string{emberBin}
	if rb := redisServerPath(); rb != "" {
		bins = append(bins, rb)
	}
	var users [2]string
	for i, bin := range bins {
		conf := filepath.Join(t.TempDir(), "e.conf")
		writeFile(t, conf, "user default on >dpw ~* &* +@all\nuser worker on >wpw ~jobs:* +@list +@connection +acl|whoami\n")
		p := startWithConf(t, bin, conf)
		c := dialRaw(t, p.Addr)
		aclDo(t, c, "+OK\r\n", "AUTH", "worker", "wpw")
		aclDo(t, c, "$6\r\nworker\r\n", "ACL", "WHOAMI")
		aclDo(t, c, "+OK\r\n", "AUTH", "dpw")
		// CONFIG REWRITE writes the users as ACL LIST describes them.
		aclDo(t, c, "+OK\r\n", "ACL", "SETUSER", "worker", "+get")
		aclDo(t, c, "+OK\r\n", "CONFIG", "REWRITE")
		data, _ := os.ReadFile(conf)
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "user ") {
				users[i] += sortCommandRules(l) + "\n"
			}
		}
	}
	if !strings.Contains(users[0], "user worker on #eaa2897900a40c0860930f19e38e30f66b06ebb38e86e29083d84c3be8a5cd31 ~jobs:* resetchannels -@all +@connection +@list +acl|whoami +get\n") {
		t.Errorf("rewritten users: %q", users[0])
	}
	if len(bins) == 2 && users[0] != users[1] {
		t.Errorf("rewritten users:\nember %q\nredis %q", users[0], users[1])
	}
}

// Errors of user lines and of aclfile with user lines, as redis-server
// reports them (output and exit code).
func TestACL_ConfigErrorsMatchRedis(t *testing.T) {
	redisBin := needRedis(t)
	dir := t.TempDir()
	for i, text := range []string{
		"user a on badop\n",
		"user a on >p nosuchcmd %x\n",
		"user a on\nuser a off\n",
		"user a on (~x\n",
		"user a on +nosuch\n",
		"user a on #abc\n",
		"aclfile /nonexistent/users.acl\n",
	} {
		path := filepath.Join(dir, fmt.Sprintf("c%d.conf", i))
		writeFile(t, path, text)
		eOut, eCode := runFail(t, emberBin, path, "--port", freePortString(t))
		rOut, rCode := runFail(t, redisBin, path, "--port", freePortString(t))
		if eCode != rCode || lastLine(eOut) != lastLine(rOut) {
			t.Errorf("config %q:\nember (%d): %q\nredis (%d): %q", text, eCode, eOut, rCode, rOut)
		}
	}
	// Users in the configuration and an ACL file: refused at start-up (the
	// message is logged, then the process exits).
	acl := filepath.Join(dir, "u.acl")
	writeFile(t, acl, "")
	path := filepath.Join(dir, "both.conf")
	writeFile(t, path, "aclfile "+acl+"\nuser a on\n")
	eOut, eCode := runFail(t, emberBin, path, "--port", freePortString(t))
	rOut, rCode := runFail(t, redisBin, path, "--port", freePortString(t))
	const msg = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."
	if eCode != 1 || rCode != 1 || !strings.Contains(eOut, msg) || !strings.Contains(rOut, msg) {
		t.Errorf("aclfile and users:\nember (%d): %q\nredis (%d): %q", eCode, eOut, rCode, rOut)
	}
}

// lastLine is a program's last non-empty output line without the log
// prefix (pid, time) that differs from run to run.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	l := lines[len(lines)-1]
	if i := strings.Index(l, " # "); i >= 0 {
		l = l[i+3:]
	}
	return l
}

// dialFrom connects to addr from another loopback address: 127.0.0.2 is
// not local to Redis (only 127.0.0.1 and ::1 are), so protected mode and
// the "local" settings can be tested without leaving the machine.
func dialFrom(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot connect from 127.0.0.2 (%v): protected mode needs a non-local peer", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// pingFrom sends PING from 127.0.0.2 and returns everything the server
// sends until it closes the connection or stays silent.
func pingFrom(t *testing.T, addr string) (string, bool) {
	t.Helper()
	c := dialFrom(t, addr)
	_, _ = c.Write([]byte("PING\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	rd := bufio.NewReader(c)
	buf := make([]byte, 4096)
	closed := false
	for {
		n, err := rd.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			closed = err == io.EOF || !isTimeout(err)
			break
		}
		if strings.HasSuffix(b.String(), "\r\n") && !strings.HasPrefix(b.String(), "-DENIED") {
			break
		}
	}
	return b.String(), closed
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestProtectedMode(t *testing.T) {
	p := startEmber(t)
	got, closed := pingFrom(t, p.Addr)
	if !strings.HasPrefix(got, "-DENIED Redis is running in protected mode") || !closed {
		t.Fatalf("non-local client: %q (closed %v)", got, closed)
	}
	if redisBin := redisServerPath(); redisBin != "" {
		r := startRedis(t)
		want, _ := pingFrom(t, r.Addr)
		if got != want {
			t.Errorf("DENIED text differs:\nember %q\nredis %q", got, want)
		}
	}
	c := dialRaw(t, p.Addr)
	info, _ := c.Do("INFO", "stats")
	if !strings.Contains(info, "rejected_connections:1\r\n") || !strings.Contains(info, "total_connections_received:2\r\n") {
		t.Errorf("INFO stats after a refused connection: %q", info)
	}
	// A password for the default user lifts protected mode.
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "requirepass", "pw")
	if got, _ := pingFrom(t, p.Addr); got != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("with a password: %q", got)
	}
	aclDo(t, c, "+OK\r\n", "AUTH", "pw")
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "requirepass", "")
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "protected-mode", "no")
	if got, _ := pingFrom(t, p.Addr); got != "+PONG\r\n" {
		t.Errorf("protected-mode no: %q", got)
	}
}

// CONFIG SET of protected parameters (dir, dbfilename) and DEBUG follow
// enable-protected-configs and enable-debug-command: "no" by default,
// "local" for 127.0.0.1 only.
func TestProtectedConfigs(t *testing.T) {
	const refused = "-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config\r\n"
	p := startEmber(t)
	c := dialRaw(t, p.Addr)
	aclDo(t, c, refused, "CONFIG", "SET", "dir", p.Dir)
	aclDo(t, c, "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config\r\n", "CONFIG", "SET", "dbfilename", "x.rdb")
	aclDo(t, c, "*2\r\n$24\r\nenable-protected-configs\r\n$2\r\nno\r\n", "CONFIG", "GET", "enable-protected-configs")
	aclDo(t, c, "*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n", "CONFIG", "GET", "enable-debug-command")

	l := startEmber(t, "--enable-protected-configs", "local", "--protected-mode", "no")
	lc := dialRaw(t, l.Addr)
	aclDo(t, lc, "+OK\r\n", "CONFIG", "SET", "dir", l.Dir)
	aclDo(t, lc, "+OK\r\n", "CONFIG", "SET", "dbfilename", "x.rdb")
	remote := dialFrom(t, l.Addr)
	_, _ = remote.Write([]byte("CONFIG SET dir /tmp\r\n"))
	_ = remote.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(remote).ReadString('\n')
	if line != refused {
		t.Errorf("CONFIG SET dir from 127.0.0.2 with local: %q", line)
	}

	y := startEmber(t, "--enable-protected-configs", "yes")
	aclDo(t, dialRaw(t, y.Addr), "+OK\r\n", "CONFIG", "SET", "dir", y.Dir)
	aclDo(t, dialRaw(t, y.Addr), "-ERR CONFIG SET failed (possibly related to argument 'enable-protected-configs') - can't set immutable config\r\n", "CONFIG", "SET", "enable-protected-configs", "no")
}

// rename-command: the new name works, the old one is unknown, an empty name
// disables the command; ACL rules keep using the original names.
func TestRenameCommand(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "r.conf")
	writeFile(t, conf, "rename-command SET myset\nrename-command DEL \"\"\nrename-command config cfg\n")
	var replies [2][]string
	bins := []string{emberBin}
	if rb := redisServerPath(); rb != "" {
		bins = append(bins, rb)
	}
	for i, bin := range bins {
		p := startWithConf(t, bin, conf)
		c := dialRaw(t, p.Addr)
		for _, cmd := range [][]string{
			{"MYSET", "k", "v"}, {"myset", "k", "w"}, {"GET", "k"}, {"SET", "k", "v"}, {"DEL", "k"}, {"CONFIG", "GET", "port"},
			{"CFG", "GET", "maxmemory"}, {"ACL", "SETUSER", "u", "-@all", "+set", "+config|get"}, {"ACL", "DRYRUN", "u", "myset", "k", "v"},
			{"ACL", "DRYRUN", "u", "set", "k", "v"}, {"ACL", "DRYRUN", "u", "cfg", "get", "x"}, {"ACL", "GETUSER", "u"},
		} {
			r, err := c.Do(cmd...)
			if err != nil {
				t.Fatal(err)
			}
			replies[i] = append(replies[i], r)
		}
	}
	want := []string{"+OK\r\n", "+OK\r\n", "$1\r\nw\r\n", "-ERR unknown command 'SET', with args beginning with: 'k' 'v' \r\n",
		"-ERR unknown command 'DEL', with args beginning with: 'k' \r\n", "-ERR unknown command 'CONFIG', with args beginning with: 'GET' 'port' \r\n"}
	for i, w := range want {
		if replies[0][i] != w {
			t.Errorf("reply %d: %q, want %q", i, replies[0][i], w)
		}
	}
	if len(bins) == 2 {
		for i := range replies[0] {
			// Redis lists single-command rules in an order that changes
			// from one start to the next.
			if sortCommandRules(replies[0][i]) != sortCommandRules(replies[1][i]) {
				t.Errorf("reply %d: ember %q, redis %q", i, replies[0][i], replies[1][i])
			}
		}
	}
}

func freePortString(t *testing.T) string {
	t.Helper()
	p, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(p)
}
