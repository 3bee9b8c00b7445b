package server

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Logger writes Redis-style log lines ("pid:M 27 Nov 2026 10:00:00.000 * msg")
// so that tools and test suites that read Redis's log read Ember's.
type Logger struct {
	mu    sync.Mutex
	out   io.Writer
	level int
	pid   int
}

// Log levels, as Redis's loglevel directive names them.
const (
	LevelDebug = iota
	LevelVerbose
	LevelNotice
	LevelWarning
	LevelNothing
)

var levelNames = []string{"debug", "verbose", "notice", "warning", "nothing"}

// Level returns the current minimum level.
func (l *Logger) Level() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.level
}

// NewLogger logs to out at the given level.
func NewLogger(out io.Writer, level int) *Logger {
	return &Logger{out: out, level: level, pid: os.Getpid()}
}

// SetOutput changes where lines go.
func (l *Logger) SetOutput(out io.Writer) {
	l.mu.Lock()
	l.out = out
	l.mu.Unlock()
}

// SetLevel changes the minimum level logged.
func (l *Logger) SetLevel(level int) {
	l.mu.Lock()
	l.level = level
	l.mu.Unlock()
}

func (l *Logger) logf(level int, format string, args ...any) {
	l.logRole(level, 'M', fmt.Sprintf(format, args...))
}

// logRole writes one line with Redis's role character: 'M' for the server,
// 'C' for the lines printed before it is initialised.
func (l *Logger) logRole(level int, role byte, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if level < l.level || l.out == nil {
		return
	}
	now := time.Now()
	mark := ".-*#"[level]
	line := fmt.Sprintf("%d:%c %s %c %s\n", l.pid, role, now.Format("02 Jan 2006 15:04:05.000"), mark, msg)
	_, _ = io.WriteString(l.out, line)
}

// Raw writes text as it is, without the line prefix (Redis's LL_RAW, used
// for the start-up logo).
func (l *Logger) Raw(level int, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if level < l.level || l.out == nil {
		return
	}
	_, _ = io.WriteString(l.out, text)
}

// Debugf logs at debug level.
func (l *Logger) Debugf(format string, args ...any) { l.logf(LevelDebug, format, args...) }

// Verbosef logs at verbose level.
func (l *Logger) Verbosef(format string, args ...any) { l.logf(LevelVerbose, format, args...) }

// Noticef logs at notice level.
func (l *Logger) Noticef(format string, args ...any) { l.logf(LevelNotice, format, args...) }

// Warnf logs at warning level.
func (l *Logger) Warnf(format string, args ...any) { l.logf(LevelWarning, format, args...) }
