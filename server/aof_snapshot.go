package server

import "errors"

// beginBaseSnapshot takes a point-in-time view of the dataset for an AOF
// base (an RDB when preamble, commands otherwise). atBegin, when set, runs
// while every shard is locked, at the snapshot's instant; an error from it
// abandons the snapshot. abort, when set, stops a Write in progress.
func (s *Server) beginBaseSnapshot(preamble bool, abort func() bool, atBegin func() error) (baseSnapshot, error) {
	return nil, errors.New("snapshots are not available yet")
}

// otherBackgroundSave reports a background RDB save in progress.
func (s *Server) otherBackgroundSave() bool { return false }
