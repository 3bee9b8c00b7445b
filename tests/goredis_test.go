package tests

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// go-redis v9 against Ember, with its default RESP3 handshake and with
// Protocol: 2. go-redis sends HELLO, CLIENT SETINFO (and, for RESP3, CLIENT
// MAINT_NOTIFICATIONS) on every new connection and must work whatever the
// server answers to them.

func newGoRedis(t *testing.T, addr string, proto int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedis(t *testing.T) {
	p := startEmber(t)
	for _, proto := range []int{3, 2} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c := newGoRedis(t, p.Addr, proto)
			prefix := fmt.Sprintf("gr%d:", proto)

			if v, err := c.Ping(ctx).Result(); err != nil || v != "PONG" {
				t.Fatalf("PING: %q %v", v, err)
			}
			if err := c.Set(ctx, prefix+"k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, prefix+"k").Result(); err != nil || v != "v" {
				t.Fatalf("GET: %q %v", v, err)
			}
			if _, err := c.Get(ctx, prefix+"missing").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("GET missing: %v, want redis.Nil", err)
			}
			big := strings.Repeat("b", 1<<20)
			if err := c.Set(ctx, prefix+"big", big, 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, _ := c.Get(ctx, prefix+"big").Result(); v != big {
				t.Fatal("1 MB value did not round-trip")
			}
			if err := c.Echo(ctx, "a\r\nb\x00c").Err(); err != nil {
				t.Fatal(err)
			}

			// The protocol in use is the one asked for.
			conn := c.Conn()
			defer conn.Close()
			hello, err := conn.Hello(ctx, proto, "", "", "goredis-test").Result()
			if err != nil {
				t.Fatalf("HELLO: %v", err)
			}
			if hello["proto"] != int64(proto) || hello["server"] != "redis" || hello["version"] != "7.0.15" {
				t.Errorf("HELLO reply %v", hello)
			}

			// CLIENT SETINFO: success or an error, the connection stays in sync.
			_ = conn.Do(ctx, "CLIENT", "SETINFO", "lib-name", "x").Err()
			if v, err := conn.Echo(ctx, "after-setinfo").Result(); err != nil || v != "after-setinfo" {
				t.Fatalf("after CLIENT SETINFO: %q %v", v, err)
			}

			// A pipeline, replies in order.
			pipe := c.Pipeline()
			var gets []*redis.StringCmd
			for i := 0; i < 1000; i++ {
				pipe.Set(ctx, fmt.Sprintf("%sp%d", prefix, i), i, 0)
				gets = append(gets, pipe.Get(ctx, fmt.Sprintf("%sp%d", prefix, i)))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			for i, g := range gets {
				if g.Val() != fmt.Sprint(i) {
					t.Fatalf("pipeline GET %d = %q", i, g.Val())
				}
			}

			// A pipeline larger than the socket buffers both ways: go-redis
			// writes it all before reading.
			pipe = c.Pipeline()
			payload := strings.Repeat("e", 4096)
			var echoes []*redis.StringCmd
			for i := 0; i < 5000; i++ {
				echoes = append(echoes, pipe.Echo(ctx, payload))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatalf("large pipeline: %v", err)
			}
			for i, e := range echoes {
				if e.Val() != payload {
					t.Fatalf("large pipeline reply %d wrong", i)
				}
			}

			// COMMAND is parsed by go-redis (it uses it for routing).
			cmds, err := c.Command(ctx).Result()
			if err != nil {
				t.Fatalf("COMMAND: %v", err)
			}
			get := cmds["get"]
			if get == nil || get.Arity != 2 || get.FirstKeyPos != 1 || get.LastKeyPos != 1 || get.StepCount != 1 || !get.ReadOnly {
				t.Errorf("COMMAND get: %+v", get)
			}
			if cc := cmds["command"]; cc == nil || cc.Arity != -1 {
				t.Errorf("COMMAND command: %+v", cc)
			}
			names, err := c.CommandList(ctx, &redis.FilterBy{Pattern: "command*"}).Result()
			if err != nil || len(names) != 8 {
				t.Errorf("COMMAND LIST FILTERBY PATTERN: %v %v", names, err)
			}
			keys, err := c.CommandGetKeys(ctx, "set", "k1", "v").Result()
			if err != nil || len(keys) != 1 || keys[0] != "k1" {
				t.Errorf("COMMAND GETKEYS: %v %v", keys, err)
			}
			kf, err := c.CommandGetKeysAndFlags(ctx, "get", "k2").Result()
			if err != nil || len(kf) != 1 || kf[0].Key != "k2" || len(kf[0].Flags) == 0 {
				t.Errorf("COMMAND GETKEYSANDFLAGS: %v %v", kf, err)
			}
			if _, err := c.CommandGetKeys(ctx, "nosuch", "x").Result(); err == nil || err.Error() != "ERR Invalid command specified" {
				t.Errorf("COMMAND GETKEYS nosuch: %v", err)
			}
		})
	}
}

// With identity disabled (no CLIENT SETINFO at all) and with a name set in
// the handshake, go-redis works too.
func TestGoRedis_HandshakeVariants(t *testing.T) {
	p := startEmber(t, "--requirepass", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := []*redis.Options{
		{Addr: p.Addr, Password: "pw"},
		{Addr: p.Addr, Password: "pw", Protocol: 2},
		{Addr: p.Addr, Password: "pw", DisableIdentity: true},
	}
	// go-redis sends CLIENT SETNAME for a ClientName, whatever HELLO did.
	if hasCommand(t, p.Addr, "pw", "client") {
		opts = append(opts, &redis.Options{Addr: p.Addr, Username: "default", Password: "pw", ClientName: "named"})
	} else {
		t.Log("CLIENT is not registered yet: skipping the ClientName variant (go-redis sends CLIENT SETNAME)")
	}
	for _, opt := range opts {
		c := redis.NewClient(opt)
		if v, err := c.Ping(ctx).Result(); err != nil || v != "PONG" {
			t.Errorf("%+v: PING %q %v", opt, v, err)
		}
		c.Close()
	}
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Password: "wrong"})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("wrong password: %v", err)
	}
}

// hasCommand reports whether the server at addr registers name.
func hasCommand(t *testing.T, addr, password, name string) bool {
	t.Helper()
	c := dialRaw(t, addr)
	if password != "" {
		_, _ = c.Do("AUTH", password)
	}
	r, err := c.Do("COMMAND", "INFO", name)
	return err == nil && r != "*1\r\n$-1\r\n"
}
