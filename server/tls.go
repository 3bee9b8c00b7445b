package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// TLS with Go's crypto/tls, configured by Redis's tls-* parameters: a
// tls-port listener beside the plain one, serving connections exactly like
// it (serveConn takes any net.Conn). The certificate set is rebuilt on
// CONFIG SET and swapped atomically; connections already open keep theirs.

// tlsState is the server's TLS listeners and configuration.
type tlsState struct {
	mu        sync.Mutex
	listeners []net.Listener
	port      int64
	serving   bool // Serve has run: new listeners start accepting at once

	cfg atomic.Pointer[tlsSettings]
}

// tlsSettings is one configuration built from the tls-* parameters.
type tlsSettings struct {
	cert       tls.Certificate
	clientCAs  *x509.CertPool
	versions   map[uint16]bool // the protocols allowed (tls-protocols)
	minVersion uint16
	maxVersion uint16
	ciphers    []uint16        // TLS 1.2 and below (tls-ciphers)
	suites13   map[uint16]bool // TLS 1.3 suites allowed (tls-ciphersuites); nil: all
	noTickets  bool            // tls-session-caching no
}

// errTLSConfig is what CONFIG SET reports when the new TLS parameters do
// not make a working configuration.
var errTLSConfig = errors.New("Unable to update TLS configuration. Check server logs.")

// tlsParams reads the TLS parameters; get is a config accessor (locked or
// not, depending on the caller).
type tlsParams struct {
	port                               int64
	cert, key, keyPass, caFile, caDir  string
	protocols, ciphers, ciphersuites   string
	authClients                        string
	sessionCaching, cluster, replicate bool
}

func readTLSParams(get func(string) string) tlsParams {
	port, _ := strconv.ParseInt(get("tls-port"), 10, 64)
	return tlsParams{
		port: port, cert: get("tls-cert-file"), key: get("tls-key-file"), keyPass: get("tls-key-file-pass"),
		caFile: get("tls-ca-cert-file"), caDir: get("tls-ca-cert-dir"),
		protocols: get("tls-protocols"), ciphers: get("tls-ciphers"), ciphersuites: get("tls-ciphersuites"),
		authClients:    get("tls-auth-clients"),
		sessionCaching: get("tls-session-caching") == "yes",
		cluster:        get("tls-cluster") == "yes",
		replicate:      get("tls-replication") == "yes",
	}
}

// enabled is Redis's condition for configuring TLS at all.
func (p tlsParams) enabled() bool { return p.port != 0 || p.cluster || p.replicate }

// buildTLS makes a configuration from the parameters, logging why it
// cannot, as Redis's tlsConfigure.
func (s *Server) buildTLS(p tlsParams) (*tlsSettings, error) {
	fail := func(format string, args ...any) (*tlsSettings, error) {
		msg := fmt.Sprintf(format, args...)
		s.log.Warnf("%s", msg)
		return nil, errors.New(msg)
	}
	if p.cert == "" {
		return fail("No tls-cert-file configured!")
	}
	if p.key == "" {
		return fail("No tls-key-file configured!")
	}
	if (p.authClients != "no" || p.cluster || p.replicate) && p.caFile == "" && p.caDir == "" {
		return fail("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!")
	}
	st := &tlsSettings{noTickets: !p.sessionCaching}
	var err error
	if st.versions, err = parseTLSProtocols(p.protocols); err != nil {
		return fail("%v", err)
	}
	for v := range st.versions {
		if st.minVersion == 0 || v < st.minVersion {
			st.minVersion = v
		}
		if v > st.maxVersion {
			st.maxVersion = v
		}
	}
	certPEM, err := os.ReadFile(p.cert)
	if err != nil {
		return fail("Failed to load certificate: %s: %s", p.cert, errnoText(err))
	}
	keyPEM, err := os.ReadFile(p.key)
	if err != nil {
		return fail("Failed to load private key: %s: %s", p.key, errnoText(err))
	}
	if p.keyPass != "" {
		if keyPEM, err = decryptPEMKey(keyPEM, p.keyPass); err != nil {
			return fail("Failed to load private key: %s: %v", p.key, err)
		}
	}
	if st.cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return fail("Failed to load certificate: %s: %v", p.cert, err)
	}
	if p.caFile != "" || p.caDir != "" {
		pool := x509.NewCertPool()
		if p.caFile != "" {
			data, err := os.ReadFile(p.caFile)
			if err != nil || !pool.AppendCertsFromPEM(data) {
				return fail("Failed to configure CA certificate(s) file/directory: %s", describeErr(err, "no certificate found in "+p.caFile))
			}
		}
		if p.caDir != "" {
			entries, err := os.ReadDir(p.caDir)
			if err != nil {
				return fail("Failed to configure CA certificate(s) file/directory: %s", errnoText(err))
			}
			for _, e := range entries {
				if data, err := os.ReadFile(filepath.Join(p.caDir, e.Name())); err == nil {
					pool.AppendCertsFromPEM(data)
				}
			}
		}
		st.clientCAs = pool
	}
	if p.ciphers != "" {
		if st.ciphers, err = parseTLSCiphers(p.ciphers); err != nil {
			return fail("Failed to configure ciphers: %s", p.ciphers)
		}
	}
	if p.ciphersuites != "" {
		if st.suites13, err = parseTLS13Suites(p.ciphersuites); err != nil {
			return fail("Failed to configure ciphersuites: %s", p.ciphersuites)
		}
	}
	return st, nil
}

func describeErr(err error, def string) string {
	if err != nil {
		return errnoText(err)
	}
	return def
}

// decryptPEMKey decrypts a legacy encrypted PEM key (tls-key-file-pass).
func decryptPEMKey(data []byte, pass string) ([]byte, error) {
	block, _ := pem.Decode(data)
	if block != nil && block.Type == "ENCRYPTED PRIVATE KEY" {
		der, err := decryptPKCS8(block.Bytes, pass)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	//lint:ignore SA1019 legacy PEM encryption is what OpenSSL's key files use
	if block == nil || !x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck
		return data, nil
	}
	//lint:ignore SA1019 as above: Redis's tls-key-file-pass reads such keys
	der, err := x509.DecryptPEMBlock(block, []byte(pass)) //nolint:staticcheck
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
}

// parseTLSProtocols is Redis's parseProtocolsConfig: space-separated
// TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; empty means TLSv1.2 and TLSv1.3.
func parseTLSProtocols(s string) (map[uint16]bool, error) {
	if s == "" {
		return map[uint16]bool{tls.VersionTLS12: true, tls.VersionTLS13: true}, nil
	}
	out := map[uint16]bool{}
	for _, tok := range strings.Split(s, " ") {
		switch strings.ToLower(tok) {
		case "tlsv1":
			out[tls.VersionTLS10] = true
		case "tlsv1.1":
			out[tls.VersionTLS11] = true
		case "tlsv1.2":
			out[tls.VersionTLS12] = true
		case "tlsv1.3":
			out[tls.VersionTLS13] = true
		default:
			return nil, errors.New("Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
		}
	}
	if len(out) == 0 {
		return nil, errors.New("Invalid tls-protocols configuration string")
	}
	return out, nil
}

// opensslCipherNames maps OpenSSL's names of the TLS 1.2 suites Go
// implements to Go's ids.
var opensslCipherNames = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// parseTLSCiphers reads tls-ciphers, an OpenSSL cipher list for TLS 1.2
// and below, as far as Go can follow it: names (OpenSSL's or IANA's) of
// the suites Go implements, the keywords DEFAULT, ALL and HIGH for Go's
// secure suites, and "-" or "!" before a name to remove it. Names Go does
// not implement are passed over, as OpenSSL passes over names it does not
// know; a list that leaves no suite is an error.
func parseTLSCiphers(s string) ([]uint16, error) {
	byName := map[string]uint16{}
	var secure []uint16
	for _, cs := range tls.CipherSuites() {
		byName[cs.Name] = cs.ID
		for _, v := range cs.SupportedVersions {
			if v == tls.VersionTLS12 {
				secure = append(secure, cs.ID)
				break
			}
		}
	}
	for _, cs := range tls.InsecureCipherSuites() {
		byName[cs.Name] = cs.ID
	}
	byName["AES128-SHA256"] = tls.TLS_RSA_WITH_AES_128_CBC_SHA256
	byName["ECDHE-ECDSA-AES128-SHA256"] = tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
	byName["ECDHE-RSA-AES128-SHA256"] = tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
	for n, id := range opensslCipherNames {
		byName[n] = id
	}
	var out []uint16
	has := func(id uint16) int {
		for i, x := range out {
			if x == id {
				return i
			}
		}
		return -1
	}
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		remove := tok[0] == '-' || tok[0] == '!'
		name := strings.ToUpper(strings.TrimLeft(tok, "-!+"))
		var ids []uint16
		switch name {
		case "DEFAULT", "ALL", "HIGH":
			ids = secure
		default:
			if id, ok := byName[name]; ok {
				ids = []uint16{id}
			}
		}
		for _, id := range ids {
			i := has(id)
			switch {
			case remove && i >= 0:
				out = append(out[:i], out[i+1:]...)
			case !remove && i < 0:
				out = append(out, id)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no cipher")
	}
	return out, nil
}

// parseTLS13Suites reads tls-ciphersuites: colon-separated TLS 1.3 suite
// names. Go negotiates TLS 1.3 suites itself; a connection that settles on
// a suite outside the list is refused.
func parseTLS13Suites(s string) (map[uint16]bool, error) {
	known := map[string]uint16{
		"TLS_AES_128_GCM_SHA256":       tls.TLS_AES_128_GCM_SHA256,
		"TLS_AES_256_GCM_SHA384":       tls.TLS_AES_256_GCM_SHA384,
		"TLS_CHACHA20_POLY1305_SHA256": tls.TLS_CHACHA20_POLY1305_SHA256,
	}
	out := map[uint16]bool{}
	for _, n := range strings.Split(s, ":") {
		id, ok := known[strings.ToUpper(n)]
		if !ok {
			return nil, fmt.Errorf("unknown TLS 1.3 suite %q", n)
		}
		out[id] = true
	}
	return out, nil
}

// serverConfig is the crypto/tls configuration for one handshake: the
// current settings and the tls-auth-clients mode in force now.
func (s *Server) tlsServerConfig(*tls.ClientHelloInfo) (*tls.Config, error) {
	st := s.tls.cfg.Load()
	if st == nil {
		return nil, errors.New("TLS is not configured")
	}
	c := &tls.Config{
		Certificates:           []tls.Certificate{st.cert},
		MinVersion:             st.minVersion,
		MaxVersion:             st.maxVersion,
		CipherSuites:           st.ciphers,
		ClientCAs:              st.clientCAs,
		SessionTicketsDisabled: st.noTickets,
	}
	switch s.cfg.MustGet("tls-auth-clients") {
	case "yes":
		c.ClientAuth = tls.RequireAndVerifyClientCert
	case "optional":
		c.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		c.ClientAuth = tls.NoClientCert
	}
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if !st.versions[cs.Version] {
			return fmt.Errorf("protocol version %x not enabled by tls-protocols", cs.Version)
		}
		if cs.Version == tls.VersionTLS13 && st.suites13 != nil && !st.suites13[cs.CipherSuite] {
			return fmt.Errorf("cipher suite %s not enabled by tls-ciphersuites", tls.CipherSuiteName(cs.CipherSuite))
		}
		return nil
	}
	return c, nil
}

// listenTLS configures TLS and opens the tls-port listener at start-up,
// and arranges for CONFIG SET to reconfigure both.
func (s *Server) listenTLS() error {
	p := readTLSParams(s.cfg.MustGet)
	if p.enabled() {
		st, err := s.buildTLS(p)
		if err != nil {
			s.log.Warnf("Failed to configure TLS. Check logs for more info.")
			return errors.New("Failed to configure TLS. Check logs for more info.")
		}
		s.tls.cfg.Store(st)
	}
	if p.port != 0 {
		lns, err := listenOn(s.cfg.MustGet("bind"), p.port)
		if err != nil {
			return err
		}
		s.tls.mu.Lock()
		s.tls.listeners, s.tls.port = lns, p.port
		s.tls.mu.Unlock()
	}
	for _, name := range []string{"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir",
		"tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-prefer-server-ciphers", "tls-session-caching",
		"tls-session-cache-size", "tls-session-cache-timeout", "tls-cluster", "tls-replication"} {
		s.cfg.Hook(name, func(string) error { return s.reconfigureTLS(false) })
	}
	s.cfg.Hook("tls-port", func(string) error { return s.reconfigureTLS(true) })
	return nil
}

// reconfigureTLS applies a CONFIG SET of a TLS parameter (it runs with the
// configuration locked). A failure leaves TLS as it was.
func (s *Server) reconfigureTLS(portChanged bool) error {
	p := readTLSParams(s.cfg.MustGetLocked)
	if portChanged {
		if s.tls.cfg.Load() == nil || p.port != 0 {
			st, err := s.buildTLS(p)
			if err != nil {
				if p.port != 0 {
					return errTLSConfig
				}
			} else {
				s.tls.cfg.Store(st)
			}
		}
		if err := s.rebindTLS(p.port); err != nil {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		return nil
	}
	if !p.enabled() {
		return nil
	}
	st, err := s.buildTLS(p)
	if err != nil {
		return errTLSConfig
	}
	s.tls.cfg.Store(st)
	return nil
}

// rebindTLS moves the TLS listener to another port (0 closes it).
func (s *Server) rebindTLS(port int64) error {
	var lns []net.Listener
	if port != 0 {
		var err error
		if lns, err = listenOn(s.cfg.MustGetLocked("bind"), port); err != nil {
			s.log.Warnf("%v", err)
			return err
		}
	}
	s.tls.mu.Lock()
	old := s.tls.listeners
	s.tls.listeners, s.tls.port = lns, port
	if s.tls.serving {
		for _, ln := range lns {
			s.wg.Add(1)
			go s.tlsAcceptLoop(ln)
		}
	}
	s.tls.mu.Unlock()
	for _, ln := range old {
		ln.Close()
	}
	return nil
}

// serveTLS starts accepting on the TLS listeners (from Serve).
func (s *Server) serveTLS() {
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	s.tls.serving = true
	for _, ln := range s.tls.listeners {
		s.wg.Add(1)
		go s.tlsAcceptLoop(ln)
	}
}

// closeTLS closes the TLS listeners (at shutdown).
func (s *Server) closeTLS() {
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	for _, ln := range s.tls.listeners {
		ln.Close()
	}
}

// tlsAcceptLoop accepts TCP connections on a TLS port and serves each one
// through a TLS server connection; the handshake happens on the first read
// or write, on the connection's own goroutine.
func (s *Server) tlsAcceptLoop(ln net.Listener) {
	base := &tls.Config{GetConfigForClient: s.tlsServerConfig}
	s.acceptWith(ln, func(nc net.Conn) net.Conn { return tls.Server(nc, base) })
}

// TLSAddr returns the TLS listener's address (nil without one).
func (s *Server) TLSAddr() net.Addr {
	s.tls.mu.Lock()
	defer s.tls.mu.Unlock()
	if len(s.tls.listeners) == 0 {
		return nil
	}
	return s.tls.listeners[0].Addr()
}

// PKCS#8 encrypted private keys ("BEGIN ENCRYPTED PRIVATE KEY", what
// OpenSSL 3 writes): PBES2 with PBKDF2 and AES-CBC.
var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

type pkcs8Encrypted struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Cipher pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// decryptPKCS8 decrypts an encrypted PKCS#8 key and returns its DER.
func decryptPKCS8(der []byte, pass string) ([]byte, error) {
	var enc pkcs8Encrypted
	if _, err := asn1.Unmarshal(der, &enc); err != nil {
		return nil, err
	}
	if !enc.Algo.Algorithm.Equal(oidPBES2) {
		return nil, errors.New("unsupported key encryption")
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(enc.Algo.Parameters.FullBytes, &params); err != nil {
		return nil, err
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, errors.New("unsupported key derivation")
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, err
	}
	var keyLen int
	switch {
	case params.Cipher.Algorithm.Equal(oidAES128CBC):
		keyLen = 16
	case params.Cipher.Algorithm.Equal(oidAES192CBC):
		keyLen = 24
	case params.Cipher.Algorithm.Equal(oidAES256CBC):
		keyLen = 32
	default:
		return nil, errors.New("unsupported key cipher")
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Cipher.Parameters.FullBytes, &iv); err != nil {
		return nil, err
	}
	h := sha1.New
	switch {
	case len(kdf.PRF.Algorithm) == 0 || kdf.PRF.Algorithm.Equal(oidHMACSHA1):
	case kdf.PRF.Algorithm.Equal(oidHMACSHA256):
		h = sha256.New
	case kdf.PRF.Algorithm.Equal(oidHMACSHA512):
		h = sha512.New
	default:
		return nil, errors.New("unsupported key derivation hash")
	}
	key, err := pbkdf2.Key(h, pass, kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != block.BlockSize() || len(enc.Data)%block.BlockSize() != 0 || len(enc.Data) == 0 {
		return nil, errors.New("malformed encrypted key")
	}
	out := make([]byte, len(enc.Data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, enc.Data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > block.BlockSize() || pad > len(out) {
		return nil, errors.New("wrong password")
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, errors.New("wrong password")
		}
	}
	return out[:len(out)-pad], nil
}
