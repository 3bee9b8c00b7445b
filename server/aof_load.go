package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ember-kv/ember/persistence/aof"
	"github.com/ember-kv/ember/store"
)

// Loading the AOF at start-up (Redis's loadAppendOnlyFiles and
// loadSingleAppendOnlyFile): the base (an RDB, or commands), then every
// incr file, replayed through the normal command table by a client that
// gets no replies, never blocks and propagates nothing. A cut-off last
// command is dropped (the file truncated) when aof-load-truncated is yes;
// anything else malformed stops the start-up, naming the file and offset.

// aofLoadResult is Redis's AOF_* load status.
type aofLoadResult int

const (
	aofLoadOK aofLoadResult = iota
	aofLoadNotExist
	aofLoadEmpty
	aofLoadOpenErr
	aofLoadFailed
	aofLoadTruncated
)

// errAOFLoad stops the start-up; the reason is in the log.
var errAOFLoad = errors.New("AOF loading failed")

// loadAOFAtStartup reads the manifest and, when appendonly is yes, loads the
// AOF instead of the RDB and opens it for appending. handled reports that
// the AOF took the place of the RDB.
func (s *Server) loadAOFAtStartup() (handled bool, err error) {
	a := &s.aof
	dir, name := s.aofPaths()
	m, _, err := aof.LoadManifest(dir, name)
	if err != nil {
		s.logManifestError(filepath.Join(dir, aof.ManifestName(name)), err)
		return true, err
	}
	a.mu.Lock()
	a.manifest, a.dir, a.filename = m, dir, name
	a.mu.Unlock()
	if !s.cfg.GetBool("appendonly") {
		return false, nil
	}
	if err := s.aofUpgradeIfNeeded(m, dir, name); err != nil {
		return true, err
	}
	start := time.Now()
	res := s.loadAOFFiles(m, dir, name)
	if res == aofLoadFailed || res == aofLoadOpenErr {
		return true, errAOFLoad
	}
	if res != aofLoadNotExist {
		s.log.Noticef("DB loaded from append only file: %.3f seconds", time.Since(start).Seconds())
	}
	if err := s.openAOFAtStart(m); err != nil {
		return true, err
	}
	return true, nil
}

func (s *Server) logManifestError(path string, err error) {
	var me *aof.ManifestError
	if !errors.As(err, &me) {
		s.log.Warnf("Fatal error: can't open the AOF manifest file %s for reading: %s", path, errnoText(err))
		return
	}
	s.log.Warnf("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
	if me.Line > 0 {
		s.log.Warnf("Reading the manifest file, at line %d\n", me.Line)
		s.log.Warnf(">>> '%s'\n", me.Text)
	}
	s.log.Warnf("%s\n", me.Message)
}

// aofUpgradeIfNeeded moves an old-style single AOF (appendfilename in dir)
// into the AOF directory as its base (aofUpgradePrepare).
func (s *Server) aofUpgradeIfNeeded(m *aof.Manifest, dir, name string) error {
	a := &s.aof
	old := filepath.Join(a.cfgDir, name)
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	_, dirErr := os.Stat(dir)
	inDir := fileExists(filepath.Join(dir, name))
	if !(dirErr != nil || m.Empty() || (m.Base != nil && len(m.Incr) == 0 && m.Base.Name == name && !inDir)) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.log.Warnf("Can't open or create append-only dir %s: %s", dir, errnoText(err))
		return err
	}
	*m = aof.Manifest{Base: &aof.FileInfo{Name: name, Seq: 1, Type: aof.TypeBase}, BaseSeq: 1}
	if err := aof.WriteManifest(dir, name, m); err != nil {
		s.log.Warnf("%v", err)
		return err
	}
	if err := os.Rename(old, filepath.Join(dir, name)); err != nil {
		s.log.Warnf("Error trying to move the old AOF file %s into dir %s: %s", name, dir, errnoText(err))
		return err
	}
	s.log.Noticef("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", name, dir)
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadAOFFiles loads the base and incr files m names.
func (s *Server) loadAOFFiles(m *aof.Manifest, dir, name string) aofLoadResult {
	if m.Empty() {
		return aofLoadNotExist
	}
	var files []aof.FileInfo
	if m.Base != nil {
		files = append(files, *m.Base)
	}
	files = append(files, m.Incr...)
	var total, baseSize int64
	for _, fi := range files {
		st, err := os.Stat(filepath.Join(dir, fi.Name))
		if err != nil {
			s.log.Warnf("Unable to obtain the AOF file %s length. stat: %s", fi.Name, errnoText(err))
			return aofLoadFailed
		}
		total += st.Size()
	}
	if total == 0 {
		return aofLoadEmpty
	}
	s.aof.loadedBefore = 0
	s.loadingStarted(total)
	defer s.loadingStopped()
	var ret aofLoadResult
	for i, fi := range files {
		last := i == len(files)-1
		start := time.Now()
		ret = s.loadAOFFile(dir, fi.Name, fi.Name == name)
		s.aof.loadedBefore += fileSize(filepath.Join(dir, fi.Name))
		kind := "incr"
		if fi.Type == aof.TypeBase {
			kind = "base"
			baseSize = fileSize(filepath.Join(dir, fi.Name))
		}
		if ret == aofLoadOK || (ret == aofLoadTruncated && last) {
			s.log.Noticef("DB loaded from %s file %s: %.3f seconds", kind, fi.Name, time.Since(start).Seconds())
		}
		if ret == aofLoadEmpty && kind == "incr" {
			ret = aofLoadOK
		}
		if ret == aofLoadTruncated && !last {
			s.log.Warnf("Fatal error: the truncated file is not the last file")
			return aofLoadFailed
		}
		if ret == aofLoadOpenErr || ret == aofLoadFailed {
			return ret
		}
	}
	s.aof.mu.Lock()
	s.aof.rewriteBaseSize = baseSize
	s.aof.mu.Unlock()
	return ret
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// loadAOFFile replays one file (loadSingleAppendOnlyFile). oldStyle is a
// single-file AOF migrated as the base (its RDB part is a "preamble").
func (s *Server) loadAOFFile(dir, name string, oldStyle bool) aofLoadResult {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			s.log.Warnf("The append log file %s doesn't exist: %s", name, errnoText(err))
			return aofLoadNotExist
		}
		s.log.Warnf("Fatal error: can't open the append log file %s for reading: %s", name, errnoText(err))
		return aofLoadOpenErr
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.Size() == 0 {
		return aofLoadEmpty
	}
	cr := &countingReader{r: f}
	br := bufio.NewReaderSize(cr, 64<<10)
	var base int64
	if sig, _ := br.Peek(5); bytes.Equal(sig, []byte("REDIS")) {
		if oldStyle {
			s.log.Noticef("Reading RDB preamble from AOF file...")
		} else {
			s.log.Noticef("Reading RDB base file on AOF loading...")
		}
		if err := s.loadRDBPreamble(br, path); err != nil {
			if oldStyle {
				s.log.Warnf("Error reading the RDB preamble of the AOF file %s, AOF loading aborted", name)
			} else {
				s.log.Warnf("Error reading the RDB base file %s, AOF loading aborted", name)
			}
			return aofLoadFailed
		}
		base = cr.n - int64(br.Buffered())
		s.loadingProgress(base)
		if oldStyle {
			s.log.Noticef("Reading the remaining AOF tail...")
		}
	}
	// A command that does not parse, followed by nothing but the reserve
	// Ember keeps past the data under appendfsync always, is a write the
	// process died in: a truncated tail, not a corrupt file.
	var torn func(at int64) bool
	if err == nil {
		torn = func(at int64) bool {
			ok, _ := aof.TornOverPad(f, st.Size(), at)
			return ok
		}
	}
	ret, valid := s.replayAOF(aof.NewReader(br, base), name, base, torn)
	switch ret {
	case aofLoadTruncated:
		if !s.aof.loadTruncated.Load() {
			s.log.Warnf("Unexpected end of file reading the append only file %s. You can: "+
				"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
				"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name)
			return aofLoadFailed
		}
		s.log.Warnf("!!! Warning: short read while loading the AOF file %s!!!", name)
		s.log.Warnf("!!! Truncating the AOF %s at offset %d !!!", name, valid)
		if err := os.Truncate(path, valid); err != nil {
			s.log.Warnf("Error truncating the AOF file %s: %s", name, errnoText(err))
			return aofLoadFailed
		}
		s.log.Warnf("AOF %s loaded anyway because aof-load-truncated is enabled", name)
	}
	return ret
}

// replayAOF runs the commands r reads. It returns the offset the file is
// valid up to (for truncation).
func (s *Server) replayAOF(r *aof.Reader, name string, base int64, torn func(at int64) bool) (aofLoadResult, int64) {
	c := s.newLoaderClient()
	defer c.discardTransaction()
	validBeforeMulti := base
	delay := time.Duration(s.cfg.GetInt("key-load-delay")) * time.Microsecond
	for n := 0; ; n++ {
		before := r.Offset()
		args, err := r.Next()
		if n%1024 == 0 {
			s.loadingProgress(r.Offset())
		}
		switch {
		case err == io.EOF:
			if c.multi != nil {
				s.log.Warnf("Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
				return aofLoadTruncated, validBeforeMulti
			}
			return aofLoadOK, r.Offset()
		case errors.Is(err, aof.ErrTruncated), err != nil && torn != nil && torn(r.Start()):
			valid := r.Offset()
			if c.multi != nil {
				valid = validBeforeMulti
			}
			return aofLoadTruncated, valid
		case err != nil:
			off := r.Start()
			var fe *aof.FormatError
			if errors.As(err, &fe) {
				off = fe.Offset
			}
			s.log.Warnf("The AOF file %s is corrupt at offset %d: %v", name, off, err)
			s.log.Warnf("Bad file format reading the append only file %s: "+
				"make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name)
			return aofLoadFailed, 0
		}
		cmd, found := s.table.Lookup(args)
		if cmd == nil || !found {
			s.log.Warnf("Unknown command '%s' reading the append only file %s", cstr(args[0]), name)
			return aofLoadFailed, 0
		}
		if (cmd.Arity > 0 && cmd.Arity != len(args)) || len(args) < -cmd.Arity {
			s.log.Warnf("Bad file format reading the append only file %s: wrong number of arguments for '%s' at offset %d", name, cmd.FullName, r.Start())
			return aofLoadFailed, 0
		}
		if cmd.FullName == "multi" {
			validBeforeMulti = before
		}
		if !c.runLoaded(cmd, args) {
			s.log.Warnf("Error replaying '%s' from the append only file %s at offset %d", cmd.FullName, name, r.Start())
			return aofLoadFailed, 0
		}
		if delay > 0 {
			time.Sleep(delay)
		}
	}
}

// newLoaderClient is createAOFClient: a client with no connection, no
// replies, no blocking and no propagation, that sees no key expire.
func (s *Server) newLoaderClient() *Client {
	tx := s.aof.loadTx
	if tx == nil {
		tx = store.NewTx(s.store)
		tx.Loading = true
	}
	c := &Client{srv: s, id: -1, tx: tx, created: time.Now(), authenticated: true}
	c.w.proto = 2
	c.tx.OnExpire = c.keyExpiredByCommand
	c.prop.off = true
	c.prop.loader = true
	return c
}

// runLoaded runs one command from the file as the loader client: MULTI
// starts queueing, EXEC runs the queued commands under one lock of all
// their keys, anything else runs on its own. It reports false when a
// command panicked.
func (c *Client) runLoaded(cmd *Command, args [][]byte) bool {
	defer c.w.Reset()
	c.cmd = cmd
	switch {
	case cmd.FullName == "multi":
		if c.multi == nil {
			c.multi = &multiState{}
		}
		return true
	case cmd.FullName == "exec":
		if c.multi == nil {
			return true // EXEC without MULTI: an error reply nobody reads
		}
		cmds := c.multi.cmds
		c.multi = nil
		return c.runLoadedBatch(cmds)
	case c.multi != nil:
		c.queue(cmd, args)
		return true
	}
	return c.runLoadedBatch([]queuedCmd{{cmd: cmd, args: args}})
}

// runLoadedBatch runs commands back to back with the shards of all their
// keys locked (or under the locks the loader's Tx already holds: DEBUG
// LOADAOF holds them all).
func (c *Client) runLoadedBatch(cmds []queuedCmd) (ok bool) {
	tx := c.tx
	own := !tx.Locked()
	if own {
		for _, q := range cmds {
			switch q.cmd.Lock {
			case LockAll, LockSelf:
				tx.AddAll()
			case LockKeys:
				c.keys = q.cmd.keyPositions(q.args, c.keys[:0])
				for _, p := range c.keys {
					tx.AddKey(q.args[p])
				}
			}
		}
		tx.Lock()
	}
	var cur *Command
	defer func() {
		if own {
			tx.Unlock()
		}
		if r := recover(); r != nil {
			c.srv.log.Warnf("panic replaying '%s': %v", cur.FullName, r)
			ok = false
		}
	}()
	c.now = time.Now().UnixNano()
	for _, q := range cmds {
		cur = q.cmd
		c.cmd = q.cmd
		tx.BeginAt(c.db, c.now/1e6)
		q.cmd.Handler(c, q.args)
		c.w.Reset()
	}
	return true
}

// debugLoadAOF is DEBUG LOADAOF: the dataset is emptied and loaded again
// from the AOF, with every shard locked meanwhile.
func (s *Server) debugLoadAOF(c *Client) {
	a := &s.aof
	if l := a.log.Load(); l != nil {
		_ = l.Flush(false)
	}
	tx := store.NewTx(s.store)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	tx.FlushAll()
	dir, name := s.aofPaths()
	m, _, err := aof.LoadManifest(dir, name)
	if err != nil {
		tx.Unlock()
		s.logManifestError(filepath.Join(dir, aof.ManifestName(name)), err)
		os.Exit(1)
	}
	// The manifest in memory is replaced by the one on disk, as Redis's
	// aofLoadManifestFromDisk (sequence numbers continue from it).
	a.mu.Lock()
	a.manifest, a.dir, a.filename = m, dir, name
	s.aofDelHistoryLocked()
	a.mu.Unlock()
	tx.Loading = true
	a.loadTx = tx
	res := s.loadAOFFiles(m, dir, name)
	a.loadTx = nil
	tx.Loading = false
	tx.Unlock()
	if res != aofLoadOK && res != aofLoadEmpty && res != aofLoadNotExist {
		s.log.Warnf("Exiting: DEBUG LOADAOF could not load the AOF")
		os.Exit(1)
	}
	s.log.Warnf("Append Only File loaded by DEBUG LOADAOF")
	c.w.OK()
}
