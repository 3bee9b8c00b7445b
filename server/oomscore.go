package server

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
)

// oom-score-adj (Redis's setOOMScoreAdj): with "yes"/"relative" or
// "absolute", Ember sets its own /proc/self/oom_score_adj from the first of
// oom-score-adj-values (the primary's class; Ember has no replica role and
// forks no children), relative to the score it started with or as given;
// "no" restores the score it found. The state is the process's, like the
// file.
var oomScore struct {
	mu       sync.Mutex
	adjusted bool // Ember has changed the score
	base     int  // the score before it did

	// The two parameters, as last applied (hooks run under the
	// configuration's lock, so they cannot read it).
	mode, values string
}

const oomScoreFile = "/proc/self/oom_score_adj"

var errOOMScore = errors.New("Failed to set current oom_score_adj. Check server logs.")

// setOOMScore applies a new value of one of the two parameters; on failure
// the previous value stays (CONFIG SET reports the error and rolls back).
func (s *Server) setOOMScore(field *string) func(string) error {
	return func(v string) error {
		oomScore.mu.Lock()
		defer oomScore.mu.Unlock()
		prev := *field
		*field = v
		if err := s.applyOOMScore(); err != nil {
			*field = prev
			return err
		}
		return nil
	}
}

// applyOOMScore sets the score oomScore.mode and values ask for, under
// oomScore.mu.
func (s *Server) applyOOMScore() error {
	mode, values := oomScore.mode, strings.Fields(oomScore.values)
	var val int
	switch {
	case mode != "no":
		if !oomScore.adjusted {
			b, err := os.ReadFile(oomScoreFile)
			if err != nil {
				s.log.Warnf("Unable to read oom_score_adj: %v", err)
				return errOOMScore
			}
			oomScore.base, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			oomScore.adjusted = true
		}
		if len(values) > 0 {
			val, _ = strconv.Atoi(values[0])
		}
		if mode != "absolute" {
			val += oomScore.base
		}
		val = min(max(val, -1000), 1000)
	case oomScore.adjusted:
		oomScore.adjusted = false
		val = oomScore.base
	default:
		return nil
	}
	if err := os.WriteFile(oomScoreFile, []byte(strconv.Itoa(val)+"\n"), 0); err != nil {
		s.log.Warnf("Unable to write oom_score_adj: %v", err)
		return errOOMScore
	}
	return nil
}

// watchOOMScore applies oom-score-adj at start and on every change.
func (s *Server) watchOOMScore() {
	oomScore.mu.Lock()
	oomScore.mode = s.cfg.MustGet("oom-score-adj")
	oomScore.values = s.cfg.MustGet("oom-score-adj-values")
	_ = s.applyOOMScore() // a failure at start is logged, as in Redis
	oomScore.mu.Unlock()
	s.cfg.Hook("oom-score-adj", s.setOOMScore(&oomScore.mode))
	s.cfg.Hook("oom-score-adj-values", s.setOOMScore(&oomScore.values))
}
