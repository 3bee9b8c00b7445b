package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TLS: certificates are made here with crypto/x509 (a CA, a server
// certificate for 127.0.0.1, a client certificate, and a client certificate
// from an unrelated CA), and the server is reached with go-redis and, when
// installed, redis-cli --tls.

type testPKI struct {
	dir                       string
	caFile, certFile, keyFile string // server
	clientCert, clientKey     string
	otherCert, otherKey       string // signed by another CA
	pool                      *x509.CertPool
	client, other             tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	p := &testPKI{dir: dir}
	ca, caKey := makeCert(t, "Ember Test CA", nil, nil, true)
	other, otherKey := makeCert(t, "Other CA", nil, nil, true)
	srv, srvKey := makeCert(t, "127.0.0.1", ca, caKey, false)
	cli, cliKey := makeCert(t, "client", ca, caKey, false)
	bad, badKey := makeCert(t, "intruder", other, otherKey, false)
	p.caFile = writePEM(t, dir, "ca.crt", "CERTIFICATE", ca.Raw)
	p.certFile = writePEM(t, dir, "server.crt", "CERTIFICATE", srv.Raw)
	p.keyFile = writeKey(t, dir, "server.key", srvKey)
	p.clientCert = writePEM(t, dir, "client.crt", "CERTIFICATE", cli.Raw)
	p.clientKey = writeKey(t, dir, "client.key", cliKey)
	p.otherCert = writePEM(t, dir, "other.crt", "CERTIFICATE", bad.Raw)
	p.otherKey = writeKey(t, dir, "other.key", badKey)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(ca)
	var err error
	if p.client, err = tls.LoadX509KeyPair(p.clientCert, p.clientKey); err != nil {
		t.Fatal(err)
	}
	if p.other, err = tls.LoadX509KeyPair(p.otherCert, p.otherKey); err != nil {
		t.Fatal(err)
	}
	return p
}

func makeCert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if isCA {
		tmpl.IsCA = true
		tmpl.BasicConstraintsValid = true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.DNSNames = []string{"localhost"}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeKey(t *testing.T, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der)
}

// serverArgs are the options that enable TLS on tlsPort.
func (p *testPKI) serverArgs(tlsPort int, extra ...string) []string {
	return append([]string{"--tls-port", fmt.Sprint(tlsPort), "--tls-cert-file", p.certFile, "--tls-key-file", p.keyFile, "--tls-ca-cert-file", p.caFile}, extra...)
}

// clientConfig trusts the test CA and presents cert (always, even when the
// server asks for certificates of another CA).
func (p *testPKI) clientConfig(cert *tls.Certificate) *tls.Config {
	c := &tls.Config{RootCAs: p.pool, ServerName: "127.0.0.1"}
	if cert != nil {
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return c
}

// startTLSEmber starts Ember with TLS on a free port and returns it with
// the TLS address.
func startTLSEmber(t *testing.T, p *testPKI, extra ...string) (*proc, string) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	e := startEmber(t, p.serverArgs(port, extra...)...)
	return e, fmt.Sprintf("127.0.0.1:%d", port)
}

// tlsPing connects with cfg and sends PING; it returns the reply or the
// error.
func tlsPing(addr string, cfg *tls.Config) (string, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func TestTLS_GoRedisAndPlainSideBySide(t *testing.T) {
	pki := newTestPKI(t)
	e, tlsAddr := startTLSEmber(t, pki)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: tlsAddr, Protocol: proto, TLSConfig: pki.clientConfig(&pki.client)})
		defer c.Close()
		if err := c.Set(ctx, "tls:k", fmt.Sprint(proto), 0).Err(); err != nil {
			t.Fatalf("resp%d SET over TLS: %v", proto, err)
		}
		big := strings.Repeat("x", 3<<20)
		if err := c.Set(ctx, "tls:big", big, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := c.Get(ctx, "tls:big").Result(); err != nil || v != big {
			t.Fatalf("GET big over TLS: %d bytes, %v", len(v), err)
		}
		pipe := c.Pipeline()
		for i := 0; i < 100; i++ {
			pipe.Incr(ctx, "tls:n")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	plain := newGoRedis(t, e.Addr, 3)
	if v, err := plain.Get(ctx, "tls:k").Result(); err != nil || v != "3" {
		t.Fatalf("plain GET: %q %v", v, err)
	}
	if v, err := plain.Get(ctx, "tls:n").Result(); err != nil || v != "200" {
		t.Fatalf("plain GET counter: %q %v", v, err)
	}
	// A plain connection to the TLS port gets nothing useful.
	if r, err := tlsPingRaw(tlsAddr); err == nil && strings.HasPrefix(r, "+PONG") {
		t.Errorf("plain text on the TLS port answered %q", r)
	}
}

func tlsPingRaw(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.Write([]byte("PING\r\n"))
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	return string(buf[:n]), err
}

func TestTLS_AuthClients(t *testing.T) {
	pki := newTestPKI(t)
	e, addr := startTLSEmber(t, pki) // tls-auth-clients yes (the default)
	if r, err := tlsPing(addr, pki.clientConfig(&pki.client)); err != nil || r != "+PONG\r\n" {
		t.Fatalf("with a client certificate: %q %v", r, err)
	}
	if r, err := tlsPing(addr, pki.clientConfig(nil)); err == nil {
		t.Errorf("yes: no client certificate was accepted (%q)", r)
	}
	if r, err := tlsPing(addr, pki.clientConfig(&pki.other)); err == nil {
		t.Errorf("yes: a certificate from another CA was accepted (%q)", r)
	}
	c := dialRaw(t, e.Addr)
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "optional")
	if r, err := tlsPing(addr, pki.clientConfig(nil)); err != nil || r != "+PONG\r\n" {
		t.Errorf("optional without a certificate: %q %v", r, err)
	}
	if r, err := tlsPing(addr, pki.clientConfig(&pki.other)); err == nil {
		t.Errorf("optional: a certificate from another CA was accepted (%q)", r)
	}
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "no")
	if r, err := tlsPing(addr, pki.clientConfig(nil)); err != nil || r != "+PONG\r\n" {
		t.Errorf("no: %q %v", r, err)
	}
	// Without a CA, tls-auth-clients no is the only possible setting.
	n, naddr := func() (*proc, string) {
		port, _ := freePort()
		return startEmber(t, "--tls-port", fmt.Sprint(port), "--tls-cert-file", pki.certFile, "--tls-key-file", pki.keyFile, "--tls-auth-clients", "no"), fmt.Sprintf("127.0.0.1:%d", port)
	}()
	_ = n
	if r, err := tlsPing(naddr, pki.clientConfig(nil)); err != nil || r != "+PONG\r\n" {
		t.Errorf("no CA, auth-clients no: %q %v", r, err)
	}
}

func TestTLS_ProtocolsAndCiphers(t *testing.T) {
	pki := newTestPKI(t)
	_, addr := startTLSEmber(t, pki, "--tls-protocols", "TLSv1.3")
	cfg := pki.clientConfig(&pki.client)
	cfg.MaxVersion = tls.VersionTLS12
	if r, err := tlsPing(addr, cfg); err == nil {
		t.Errorf("TLSv1.2 client accepted by a TLSv1.3-only server (%q)", r)
	}
	cfg.MaxVersion = tls.VersionTLS13
	if r, err := tlsPing(addr, cfg); err != nil || r != "+PONG\r\n" {
		t.Errorf("TLSv1.3: %q %v", r, err)
	}

	_, addr12 := startTLSEmber(t, pki, "--tls-protocols", "TLSv1.2", "--tls-ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384")
	cfg = pki.clientConfig(&pki.client)
	cfg.MinVersion = tls.VersionTLS13
	if r, err := tlsPing(addr12, cfg); err == nil {
		t.Errorf("TLSv1.3 client accepted by a TLSv1.2-only server (%q)", r)
	}
	cfg = pki.clientConfig(&pki.client)
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	if r, err := tlsPing(addr12, cfg); err == nil {
		t.Errorf("a cipher outside tls-ciphers was accepted (%q)", r)
	}
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	if r, err := tlsPing(addr12, cfg); err != nil || r != "+PONG\r\n" {
		t.Errorf("the configured cipher: %q %v", r, err)
	}

	_, addr13 := startTLSEmber(t, pki, "--tls-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "--tls-prefer-server-ciphers", "yes")
	if r, err := tlsPing(addr13, pki.clientConfig(&pki.client)); err != nil || r != "+PONG\r\n" {
		t.Errorf("tls-ciphersuites with every suite: %q %v", r, err)
	}
}

func TestTLS_ConfigSet(t *testing.T) {
	pki := newTestPKI(t)
	e, addr := startTLSEmber(t, pki)
	c := dialRaw(t, e.Addr)
	aclDo(t, c, "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n", "CONFIG", "SET", "tls-cert-file", "/nonexistent.crt")
	aclDo(t, c, "-ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.\r\n", "CONFIG", "SET", "tls-protocols", "SSLv3")
	aclDo(t, c, "-ERR CONFIG SET failed (possibly related to argument 'tls-ciphersuites') - Unable to update TLS configuration. Check server logs.\r\n", "CONFIG", "SET", "tls-ciphersuites", "NOPE")
	// A refused change leaves the old configuration working.
	if r, err := tlsPing(addr, pki.clientConfig(&pki.client)); err != nil || r != "+PONG\r\n" {
		t.Fatalf("after refused changes: %q %v", r, err)
	}
	r, _ := c.Do("CONFIG", "GET", "tls-cert-file")
	if !strings.Contains(r, pki.certFile) {
		t.Errorf("tls-cert-file after a refused change: %q", r)
	}
	port, _ := freePort()
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "tls-port", fmt.Sprint(port))
	newAddr := fmt.Sprintf("127.0.0.1:%d", port)
	if r, err := tlsPing(newAddr, pki.clientConfig(&pki.client)); err != nil || r != "+PONG\r\n" {
		t.Errorf("new tls-port: %q %v", r, err)
	}
	if _, err := tlsPing(addr, pki.clientConfig(&pki.client)); err == nil {
		t.Error("the old tls-port still answers")
	}
	aclDo(t, c, "+OK\r\n", "CONFIG", "SET", "tls-port", "0")
	if _, err := tlsPing(newAddr, pki.clientConfig(&pki.client)); err == nil {
		t.Error("tls-port 0 still answers")
	}
	aclDo(t, c, "+PONG\r\n", "PING")
}

func TestTLS_AuthAndACLOverTLS(t *testing.T) {
	pki := newTestPKI(t)
	_, addr := startTLSEmber(t, pki, "--requirepass", "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: addr, Password: "pw", TLSConfig: pki.clientConfig(&pki.client)})
	defer c.Close()
	if v, err := c.Do(ctx, "ACL", "WHOAMI").Text(); err != nil || v != "default" {
		t.Fatalf("WHOAMI over TLS: %q %v", v, err)
	}
	bad := redis.NewClient(&redis.Options{Addr: addr, Password: "wrong", TLSConfig: pki.clientConfig(&pki.client), MaxRetries: -1})
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("wrong password over TLS: %v", err)
	}
}

// Start-up errors are Redis's (Debian's redis-server is built with TLS).
func TestTLS_StartupErrors(t *testing.T) {
	pki := newTestPKI(t)
	redisBin := redisServerPath()
	for _, args := range [][]string{
		{"--tls-port", "%d"},
		{"--tls-port", "%d", "--tls-cert-file", pki.certFile},
		{"--tls-port", "%d", "--tls-cert-file", pki.certFile, "--tls-key-file", pki.keyFile},
		{"--tls-port", "%d", "--tls-cert-file", "/nonexistent", "--tls-key-file", pki.keyFile, "--tls-auth-clients", "no"},
		{"--tls-port", "%d", "--tls-cert-file", pki.certFile, "--tls-key-file", pki.keyFile, "--tls-ca-cert-file", pki.caFile, "--tls-protocols", "TLSv9"},
	} {
		run := func(bin string) (string, int) {
			full := make([]string, len(args))
			for i, a := range args {
				if a == "%d" {
					a = freePortString(t)
				}
				full[i] = a
			}
			return runFail(t, bin, append([]string{"--port", freePortString(t)}, full...)...)
		}
		eOut, eCode := run(emberBin)
		if eCode != 1 || !strings.Contains(eOut, "Failed to configure TLS. Check logs for more info.") {
			t.Errorf("%v: ember (%d) %q", args, eCode, eOut)
		}
		if redisBin == "" {
			continue
		}
		rOut, rCode := run(redisBin)
		if eCode != rCode || tlsLogReason(eOut) != tlsLogReason(rOut) {
			t.Errorf("%v:\nember (%d) %q\nredis (%d) %q", args, eCode, tlsLogReason(eOut), rCode, tlsLogReason(rOut))
		}
	}
}

// tlsLogReason is the log line before "Failed to configure TLS", without
// its prefix and OpenSSL's or Go's error details.
func tlsLogReason(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.Contains(l, "Failed to configure TLS") && i > 0 {
			r := lines[i-1]
			if j := strings.Index(r, " # "); j >= 0 {
				r = r[j+3:]
			}
			if j := strings.Index(r, ": "); j >= 0 && strings.HasPrefix(r, "Failed to load") {
				r = r[:j]
			}
			return r
		}
	}
	return ""
}

func TestTLS_RedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli is not installed")
	}
	pki := newTestPKI(t)
	_, addr := startTLSEmber(t, pki)
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(cli, "-h", host, "-p", port, "--tls", "--cacert", pki.caFile, "--cert", pki.clientCert, "--key", pki.clientKey, "PING").CombinedOutput()
	if strings.Contains(string(out), "not supported") || strings.Contains(string(out), "Unrecognized option") {
		t.Skipf("redis-cli has no TLS support: %s", out)
	}
	if err != nil || strings.TrimSpace(string(out)) != "PONG" {
		t.Fatalf("redis-cli --tls PING: %q %v", out, err)
	}
	out, _ = exec.Command(cli, "-h", host, "-p", port, "--tls", "--cacert", pki.caFile, "--cert", pki.clientCert, "--key", pki.clientKey, "SET", "k", "v").CombinedOutput()
	if strings.TrimSpace(string(out)) != "OK" {
		t.Errorf("redis-cli --tls SET: %q", out)
	}
	out, _ = exec.Command(cli, "-h", host, "-p", port, "--tls", "--cacert", pki.caFile, "PING").CombinedOutput()
	if strings.TrimSpace(string(out)) == "PONG" {
		t.Errorf("redis-cli without a client certificate was served: %q", out)
	}
}
