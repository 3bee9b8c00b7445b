package tests

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// go-redis's view of the CLIENT commands: its handshake (HELLO 3 and
// CLIENT SETINFO) must succeed against Ember as against Redis 7.0, and its
// ClientList/ClientInfo parsers must read Ember's lines.
func TestClient_GoRedis(t *testing.T) {
	p := startEmber(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr, ClientName: "ember-test"})
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if name, err := rdb.ClientGetName(ctx).Result(); err != nil || name != "ember-test" {
		t.Errorf("CLIENT GETNAME = %q, %v", name, err)
	}
	id, err := rdb.ClientID(ctx).Result()
	if err != nil || id <= 0 {
		t.Fatalf("CLIENT ID = %d, %v", id, err)
	}
	info, err := rdb.ClientInfo(ctx).Result()
	if err != nil {
		t.Fatalf("CLIENT INFO: %v", err)
	}
	if info.ID != id || info.Name != "ember-test" || info.LastCmd != "client|info" || info.User != "default" || info.Resp != 3 {
		t.Errorf("CLIENT INFO parsed as %+v", info)
	}
	list, err := rdb.ClientList(ctx).Result()
	if err != nil || !strings.Contains(list, "name=ember-test") || !strings.HasSuffix(list, "\n") {
		t.Errorf("CLIENT LIST = %q, %v", list, err)
	}

	// A second connection killed by id, by address, and with the filters.
	victim := redis.NewClient(&redis.Options{Addr: p.Addr, PoolSize: 1, MaxRetries: -1})
	defer victim.Close()
	vid, err := victim.ClientID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.ClientKillByFilter(ctx, "ID", itoa(vid)).Result(); err != nil || n != 1 {
		t.Errorf("CLIENT KILL ID = %d, %v", n, err)
	}
	time.Sleep(50 * time.Millisecond)
	if n, err := rdb.ClientKillByFilter(ctx, "ID", itoa(vid)).Result(); err != nil || n != 0 {
		t.Errorf("second CLIENT KILL ID = %d, %v", n, err)
	}
	if l, err := rdb.Do(ctx, "CLIENT", "LIST", "ID", vid).Text(); err != nil || l != "" {
		t.Errorf("killed client still listed: %q, %v", l, err)
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// TestClient_KillAndList checks CLIENT KILL's address form, SKIPME, TYPE and
// the fields of CLIENT LIST lines, over raw connections.
func TestClient_KillAndList(t *testing.T) {
	p := startEmber(t)
	a := dialRaw(t, p.Addr)
	b := dialRaw(t, p.Addr)
	if _, err := b.Do("CLIENT", "SETNAME", "bee"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Do("SELECT", "3"); err != nil {
		t.Fatal(err)
	}
	raw, err := a.Do("CLIENT", "LIST")
	if err != nil {
		t.Fatal(err)
	}
	fields := "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp"
	var bLine string
	for _, line := range strings.Split(strings.TrimSpace(raw[strings.Index(raw, "\r\n")+2:]), "\n") {
		var names []string
		for _, kv := range strings.Fields(line) {
			k, _, _ := strings.Cut(kv, "=")
			names = append(names, k)
		}
		if got := strings.Join(names, " "); got != fields {
			t.Errorf("CLIENT LIST fields %q, want %q", got, fields)
		}
		if strings.Contains(line, "name=bee") {
			bLine = line
		}
	}
	if !strings.Contains(bLine, " db=3 ") || !strings.Contains(bLine, " cmd=select ") || !strings.Contains(bLine, " flags=N ") {
		t.Errorf("line of the named client: %q", bLine)
	}
	addr := b.c.LocalAddr().String()
	if r, _ := a.Do("CLIENT", "KILL", addr); r != "+OK\r\n" {
		t.Errorf("CLIENT KILL addr: %q", r)
	}
	if r, _ := a.Do("CLIENT", "KILL", addr); r != "-ERR No such client\r\n" {
		t.Errorf("second CLIENT KILL addr: %q", r)
	}
	if r, _ := a.Do("CLIENT", "KILL", "TYPE", "normal"); r != ":0\r\n" {
		t.Errorf("CLIENT KILL TYPE normal (skipme): %q", r)
	}
	if r, _ := a.Do("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"); r != ":1\r\n" {
		t.Errorf("CLIENT KILL TYPE normal SKIPME no: %q", r)
	}
	if _, err := a.Do("PING"); err == nil {
		t.Error("connection survived killing itself")
	}
}
