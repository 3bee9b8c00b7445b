package aof

import (
	"bytes"
	"io"
)

// The reserved tail of an incremental file.
//
// Under appendfsync always every batch ends in an fdatasync. Appending
// grows the file, and a file whose size changed makes fdatasync write the
// inode as well as the data: on ext4 a second synchronous I/O per batch,
// measured at a third of the fsync's time and CPU. So while the policy is
// always, the Log keeps a reserve of already-written (and fsynced) blocks
// past the end of its data and writes each batch over it in place; the
// size only changes, and the inode is only written, when the reserve is
// extended, once a megabyte.
//
// The reserve must not make the file unreadable, by Ember or by Redis, if
// the process dies: it is made of annotation lines ("#", spaces, "\n"),
// which both loaders skip, and every write that ends inside it is followed
// by one '#' so that the remainder of the line it lands in is an
// annotation too. A cleanly closed file has no reserve (Close and Switch
// cut it off); a start-up after a crash cuts it off before appending
// (PadStart). A write the process died in the middle of can leave part of
// a command followed by reserve bytes; TornOverPad recognises that tail so
// the loader can treat it as the truncated command it is.

const (
	padLine = 64 // bytes per reserve line; lines end on multiples of padLine in the file

	// reserveChunk is how far past the data an extension reaches, and
	// reserveLow the reserve left under which a batch extends it.
	reserveChunk = 1 << 20
	reserveLow   = 256 << 10
)

// padFor returns reserve bytes for the file range [from, to): lines of a
// '#', spaces and a newline, ending on multiples of padLine (the first one
// at the next multiple that leaves it at least "#\n"). Empty when the range
// holds no whole line.
func padFor(from, to int64) []byte {
	first := (from/padLine + 1) * padLine
	if first-from < 2 {
		first += padLine
	}
	if first > to {
		return nil
	}
	b := bytes.Repeat([]byte(" "), int(to-from))
	for start := int64(0); start < to-from; {
		stop := first - from
		if start > 0 {
			stop = start + padLine
		}
		b[start], b[stop-1] = '#', '\n'
		start = stop
	}
	return b
}

// isPadByte reports whether c can be part of a reserve.
func isPadByte(c byte) bool { return c == ' ' || c == '#' || c == '\n' }

// padScan returns the start of the longest suffix of r's size bytes made
// only of reserve bytes, moved past a '\n' that ends a "\r\n" (that
// newline belongs to the command before it).
func padScan(r io.ReaderAt, size int64) (int64, error) {
	var buf [64 << 10]byte
	s := size
	for s > 0 {
		n := min(int64(len(buf)), s)
		chunk := buf[:n]
		if _, err := r.ReadAt(chunk, s-n); err != nil && err != io.EOF {
			return 0, err
		}
		i := len(chunk) - 1
		for i >= 0 && isPadByte(chunk[i]) {
			i--
		}
		s -= int64(len(chunk) - 1 - i)
		if i >= 0 {
			if chunk[i] == '\r' && s < size {
				var nl [1]byte
				if _, err := r.ReadAt(nl[:], s); err != nil {
					return 0, err
				}
				if nl[0] == '\n' {
					s++
				}
			}
			break
		}
	}
	return s, nil
}

// PadStart returns where the reserve at the end of r's size bytes starts:
// the start of the run of reserve lines that ends the file (size when
// there is none). Everything before it is the file's content.
func PadStart(r io.ReaderAt, size int64) (int64, error) {
	s, err := padScan(r, size)
	if err != nil || s == size {
		return size, err
	}
	// The reserve starts at a line start, with a '#'.
	var c [1]byte
	if s > 0 {
		if _, err := r.ReadAt(c[:], s-1); err != nil {
			return size, err
		}
		if c[0] != '\n' {
			// s is inside a line whose end is a reserve byte: the
			// reserve starts after that line's newline.
			if s, err = pastNewline(r, s, size); err != nil {
				return size, err
			}
		}
	}
	if s < size {
		if _, err := r.ReadAt(c[:], s); err != nil {
			return size, err
		}
		if c[0] != '#' {
			return size, nil
		}
	}
	return s, nil
}

// pastNewline returns the offset after the first '\n' at or after s (size
// when there is none).
func pastNewline(r io.ReaderAt, s, size int64) (int64, error) {
	var buf [4 << 10]byte
	for s < size {
		chunk := buf[:min(int64(len(buf)), size-s)]
		if _, err := r.ReadAt(chunk, s); err != nil && err != io.EOF {
			return size, err
		}
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			return s + int64(i) + 1, nil
		}
		s += int64(len(chunk))
	}
	return size, nil
}

// TornOverPad reports whether the command that starts at offset at in r
// (size bytes) is the part of a command a write left before the process
// died, followed by nothing but reserve: then the loader treats it as a
// truncated tail (aof-load-truncated) instead of a corrupt file. A write
// cut exactly between two commands leaves only the rest of a reserve line
// at at.
func TornOverPad(r io.ReaderAt, size, at int64) (bool, error) {
	s, err := padScan(r, size)
	if err != nil || s == size || at >= size {
		return false, err
	}
	if s <= at {
		return true, nil
	}
	_, err = NewReader(io.NewSectionReader(r, at, s-at), at).Next()
	return err == ErrTruncated, nil
}
