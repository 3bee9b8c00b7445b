package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The multi-part layout (Redis 7.0's aof.c): in the directory appenddirname,
// <appendfilename>.<seq>.base.rdb (or .base.aof), <appendfilename>.<seq>.incr.aof
// files and <appendfilename>.manifest, whose lines read
//
//	file appendonly.aof.1.base.rdb seq 1 type b
//	file appendonly.aof.1.incr.aof seq 1 type i
//
// with the base first, then history files (type h, awaiting deletion), then
// the incremental files in order.

// File types in a manifest.
const (
	TypeBase    = 'b'
	TypeHistory = 'h'
	TypeIncr    = 'i'
)

// FileInfo is one line of a manifest.
type FileInfo struct {
	Name string
	Seq  int64
	Type byte
}

// Manifest lists the files of an AOF.
type Manifest struct {
	Base    *FileInfo
	History []FileInfo
	Incr    []FileInfo
	BaseSeq int64 // the highest base sequence number used
	IncrSeq int64 // the highest incr sequence number used
}

// Clone returns a deep copy, to modify before an atomic switch.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{BaseSeq: m.BaseSeq, IncrSeq: m.IncrSeq}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	c.History = append([]FileInfo(nil), m.History...)
	c.Incr = append([]FileInfo(nil), m.Incr...)
	return c
}

// Empty reports whether the manifest names no base and no incr file.
func (m *Manifest) Empty() bool { return m.Base == nil && len(m.Incr) == 0 }

// Name suffixes and prefixes.
const (
	manifestSuffix = ".manifest"
	tempPrefix     = "temp-"
)

// ManifestName is the manifest's file name for appendfilename.
func ManifestName(filename string) string { return filename + manifestSuffix }

// TempManifestName is the name the manifest is written under before its rename.
func TempManifestName(filename string) string { return tempPrefix + filename + manifestSuffix }

// TempIncrName is the incremental file written while the AOF is being
// turned on (Redis's AOF_WAIT_REWRITE state).
func TempIncrName(filename string) string { return tempPrefix + filename + ".incr" }

// NewBase names the next base file and turns the current one into history
// (getNewBaseFileNameAndMarkPreAsHistory).
func (m *Manifest) NewBase(filename string, rdbPreamble bool) string {
	if m.Base != nil {
		old := *m.Base
		old.Type = TypeHistory
		m.History = append([]FileInfo{old}, m.History...)
	}
	m.BaseSeq++
	suffix := ".aof"
	if rdbPreamble {
		suffix = ".rdb"
	}
	m.Base = &FileInfo{Name: fmt.Sprintf("%s.%d.base%s", filename, m.BaseSeq, suffix), Seq: m.BaseSeq, Type: TypeBase}
	return m.Base.Name
}

// NewIncr adds the next incremental file and returns its name.
func (m *Manifest) NewIncr(filename string) string {
	m.IncrSeq++
	fi := FileInfo{Name: fmt.Sprintf("%s.%d.incr.aof", filename, m.IncrSeq), Seq: m.IncrSeq, Type: TypeIncr}
	m.Incr = append(m.Incr, fi)
	return fi.Name
}

// LastIncr returns the last incremental file, creating one when there is none.
func (m *Manifest) LastIncr(filename string) string {
	if len(m.Incr) == 0 {
		return m.NewIncr(filename)
	}
	return m.Incr[len(m.Incr)-1].Name
}

// MarkRewrittenIncrAsHistory turns the incremental files into history, all
// but the last one when keepLast (the file being written)
// (markRewrittenIncrAofAsHistory).
func (m *Manifest) MarkRewrittenIncrAsHistory(keepLast bool) {
	n := len(m.Incr)
	if keepLast {
		n--
	}
	for i := n - 1; i >= 0; i-- {
		h := m.Incr[i]
		h.Type = TypeHistory
		m.History = append([]FileInfo{h}, m.History...)
	}
	if n > 0 {
		m.Incr = append([]FileInfo(nil), m.Incr[n:]...)
	}
}

// Format returns the manifest's text: base, history, incr.
func (m *Manifest) Format() []byte {
	var b []byte
	line := func(fi *FileInfo) {
		name := fi.Name
		if needsRepr(name) {
			name = repr(name)
		}
		b = fmt.Appendf(b, "file %s seq %d type %c\n", name, fi.Seq, fi.Type)
	}
	if m.Base != nil {
		line(m.Base)
	}
	for i := range m.History {
		line(&m.History[i])
	}
	for i := range m.Incr {
		line(&m.Incr[i])
	}
	return b
}

// ManifestError is a manifest Redis would refuse to start with.
type ManifestError struct {
	Line    int    // 1-based; 0 when no line is at fault
	Text    string // the line, trimmed
	Message string // Redis's text
}

func (e *ManifestError) Error() string { return e.Message }

// manifestMaxLine is Redis's MANIFEST_MAX_LINE.
const manifestMaxLine = 1024

// ParseManifest reads a manifest with Redis's checks and errors
// (aofLoadManifestFromFile).
func ParseManifest(r io.Reader) (*Manifest, error) {
	m := &Manifest{}
	br := bufio.NewReader(r)
	var maxSeq int64
	linenum := 0
	for {
		raw, err := readManifestLine(br)
		if err == io.EOF && len(raw) == 0 {
			if linenum == 0 {
				return nil, &ManifestError{Message: "Found an empty AOF manifest"}
			}
			return m, nil
		}
		if err != nil && err != io.EOF {
			return nil, &ManifestError{Message: "Read AOF manifest failed"}
		}
		linenum++
		if raw[0] == '#' {
			continue
		}
		fail := func(msg string) error {
			return &ManifestError{Line: linenum, Text: strings.Trim(string(raw), " \t\r\n"), Message: msg}
		}
		if !bytes.HasSuffix(raw, []byte("\n")) {
			return nil, fail("The AOF manifest file contains too long line")
		}
		line := strings.Trim(string(raw), " \t\r\n")
		if line == "" {
			return nil, fail("Invalid AOF manifest file format")
		}
		argv, ok := splitArgs(line)
		if !ok || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, fail("Invalid AOF manifest file format")
		}
		var fi FileInfo
		for i := 0; i < len(argv); i += 2 {
			switch strings.ToLower(argv[i]) {
			case "file":
				fi.Name = argv[i+1]
				if filepath.Base(fi.Name) != fi.Name || strings.ContainsRune(fi.Name, '/') {
					return nil, fail("File can't be a path, just a filename")
				}
			case "seq":
				fi.Seq = atoll(argv[i+1])
			case "type":
				if len(argv[i+1]) > 0 {
					fi.Type = argv[i+1][0]
				}
			}
		}
		if fi.Name == "" || fi.Seq == 0 || fi.Type == 0 {
			return nil, fail("Invalid AOF manifest file format")
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return nil, fail("Found duplicate base file information")
			}
			b := fi
			m.Base = &b
			m.BaseSeq = fi.Seq
		case TypeHistory:
			m.History = append(m.History, fi)
		case TypeIncr:
			if fi.Seq <= maxSeq {
				return nil, fail("Found a non-monotonic sequence number")
			}
			m.Incr = append(m.Incr, fi)
			m.IncrSeq = fi.Seq
			maxSeq = fi.Seq
		default:
			return nil, fail("Unknown AOF file type")
		}
	}
}

// readManifestLine reads like fgets into a MANIFEST_MAX_LINE+1 buffer: at
// most 1024 bytes, stopping after a newline.
func readManifestLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for len(out) < manifestMaxLine {
		c, err := br.ReadByte()
		if err != nil {
			return out, err
		}
		out = append(out, c)
		if c == '\n' {
			break
		}
	}
	return out, nil
}

// atoll parses a leading decimal integer as C's atoll (0 when none).
func atoll(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// LoadManifest reads dir/<filename>.manifest. A missing directory or
// manifest gives an empty manifest (exists false), as Redis starts from
// nothing then.
func LoadManifest(dir, filename string) (m *Manifest, exists bool, err error) {
	f, err := os.Open(filepath.Join(dir, ManifestName(filename)))
	if errors.Is(err, os.ErrNotExist) {
		return &Manifest{}, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	m, err = ParseManifest(f)
	return m, true, err
}

// WriteManifest writes m as dir's manifest atomically: a temporary file,
// fsynced, renamed over the manifest, then the directory fsynced
// (writeAofManifestFile).
func WriteManifest(dir, filename string, m *Manifest) error {
	tmp := filepath.Join(dir, TempManifestName(filename))
	final := filepath.Join(dir, ManifestName(filename))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("Can't open the AOF manifest file %s: %w", TempManifestName(filename), err)
	}
	if _, err := f.Write(m.Format()); err != nil {
		f.Close()
		return fmt.Errorf("Error trying to write the temporary AOF manifest file %s: %w", TempManifestName(filename), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("Fail to fsync the temp AOF file %s: %w", TempManifestName(filename), err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("Error trying to rename the temporary AOF manifest file %s into %s: %w", TempManifestName(filename), ManifestName(filename), err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("Fail to fsync AOF directory %s: %w", final, err)
	}
	return nil
}

// SyncDir fsyncs a directory, so renames and new files in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// needsRepr is sdsneedsrepr: a name with quotes, escapes, spaces or
// unprintable bytes is written quoted.
func needsRepr(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b' || c < 32 || c > 126 || c == ' ' {
			return true
		}
	}
	return false
}

// repr is sdscatrepr: a quoted string with C escapes.
func repr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString("\\n")
		case '\r':
			b.WriteString("\\r")
		case '\t':
			b.WriteString("\\t")
		case '\a':
			b.WriteString("\\a")
		case '\b':
			b.WriteString("\\b")
		default:
			if c >= 32 && c <= 126 {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// splitArgs is sdssplitargs: space-separated words, with "double quotes"
// (C escapes, \xHH) and 'single quotes'. ok is false for unbalanced quotes
// or a closing quote not followed by a space.
func splitArgs(line string) (args []string, ok bool) {
	p := 0
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0
	}
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return args, true
		}
		var cur []byte
		inq, insq := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == 0:
					return nil, false
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					v, _ := strconv.ParseUint(line[p+2:p+4], 16, 8)
					cur = append(cur, byte(v))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := at(p); e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if nx := at(p + 1); nx != 0 && !isSpace(nx) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == 0:
					return nil, false
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if nx := at(p + 1); nx != 0 && !isSpace(nx) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
