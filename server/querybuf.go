package server

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The query buffer as CLIENT LIST reports it (qbuf, qbuf-free) and as
// clientsCron resizes it. Redis's query buffer is an sds string: qbuf is its
// length (the bytes not yet turned into arguments), qbuf-free its unused
// allocation, which depends on sds headers and jemalloc's size classes.
// Ember's read buffer is a Go slice whose arguments stay in place until the
// request runs, so it cannot be Redis's buffer byte for byte; instead each
// reader keeps Redis's allocation as a number, moved by the same events
// (a read, the header of a big argument, its completion, the cron) with the
// same arithmetic, and the physical buffer starts at the same size so that
// reads see the same room. The connection goroutine moves the number on
// reads and parsing; the cron shrinks it as clientsCronResizeQueryBuffer
// does.

const (
	bigArgLen       = 32 * 1024   // PROTO_MBULK_BIG_ARG
	resizeThreshold = 32 * 1024   // PROTO_RESIZE_THRESHOLD
	resizeMinFree   = 4 * 1024    // the cron leaves buffers wasting less alone
	sdsMaxPrealloc  = 1024 * 1024 // SDS_MAX_PREALLOC
	// qbufIdleSecs: a buffer idle longer loses its free space.
	qbufIdleSecs = 2
	// sdsModelMax bounds the modelled allocation (an announced bulk length
	// can be near MaxInt64).
	sdsModelMax = 1 << 48
)

// firstReadAlloc is the allocation of a query buffer after its first read:
// room for PROTO_IOBUF_LEN, rounded up by the allocator (20474).
var firstReadAlloc = sdsMakeRoom(0, 0, readBufSize, false)

// queryBufState is the modelled buffer, shared with the cron and CLIENT
// LIST. The connection goroutine and the cron both store into alloc and
// peak; a store lost to the other side's concurrent one only delays a
// resize to the next read or cron run.
type queryBufState struct {
	alloc   atomic.Int64 // sdsalloc(querybuf)
	peak    atomic.Int64 // querybuf_peak
	bulklen atomic.Int64 // the bulk being read, -1 for none
}

// jemallocSize is the usable size jemalloc (5.3, 16-byte quantum) returns
// for a request of n bytes: 8, then multiples of 16 up to 128, then four
// classes per doubling.
func jemallocSize(n int) int {
	if n <= 8 {
		return 8
	}
	if n <= 128 {
		return (n + 15) &^ 15
	}
	step := 1 << (bits.Len(uint(n-1)) - 3)
	return (n + step - 1) &^ (step - 1)
}

// sdsHeader is the header size and the largest allocation an sds string of
// n bytes records (type 8 at least: buffers are appended to).
func sdsHeader(n int) (hdr, maxAlloc int) {
	switch {
	case n < 1<<8:
		return 3, 1<<8 - 1
	case n < 1<<16:
		return 5, 1<<16 - 1
	case uint64(n) < 1<<32:
		return 9, 1<<32 - 1
	}
	return 17, math.MaxInt
}

// sdsAllocFor is the allocation sds records for a string sized n bytes.
func sdsAllocFor(n int) int {
	hdr, maxAlloc := sdsHeader(n)
	return min(jemallocSize(hdr+n+1)-hdr-1, maxAlloc)
}

// sdsMakeRoom is the allocation after sdsMakeRoomFor(s, addlen) (greedy) or
// sdsMakeRoomForNonGreedy on a string of length n with allocation alloc.
func sdsMakeRoom(alloc, n, addlen int, greedy bool) int {
	if alloc-n >= addlen {
		return alloc
	}
	// Lengths announced up to proto-max-bulk-len must not overflow.
	newlen := sdsModelMax
	if addlen < sdsModelMax-n {
		newlen = n + addlen
	}
	if greedy {
		if newlen < sdsMaxPrealloc {
			newlen *= 2
		} else {
			newlen += sdsMaxPrealloc
		}
	}
	return sdsAllocFor(newlen)
}

// room is readQueryFromClient's sizing of the next read into a buffer
// holding prev bytes with allocation alloc: exactly the rest of a big
// argument being read, PROTO_IOBUF_LEN into a small buffer, or as much as
// greedy growth leaves free. It returns the new allocation and the most the
// read takes.
func (p *reqReader) room(alloc, prev int) (newAlloc, readlen int) {
	readlen = readBufSize
	switch {
	case p.bulklen >= bigArgLen:
		if rem := p.bulklen - prev; rem > -2 {
			readlen = min(rem, sdsModelMax) + 2
		}
		return sdsMakeRoom(alloc, prev, readlen, false), readlen
	case alloc < readBufSize:
		return sdsMakeRoom(alloc, prev, readlen, false), readlen
	}
	alloc = sdsMakeRoom(alloc, prev, readlen, true)
	return alloc, alloc - prev
}

// account records a read of n bytes into a buffer that held prev. The
// allocation is sized when the bytes are there: the cron may have shrunk it
// while the connection waited for them.
func (p *reqReader) account(prev, n int) {
	st := p.st
	old := int(st.alloc.Load())
	if alloc, _ := p.room(old, prev); alloc != old {
		st.alloc.Store(int64(alloc))
	}
	if l := int64(prev + n); l > st.peak.Load() {
		st.peak.Store(l)
	}
}

// bulkPending is called once for a bulk whose header has arrived but not
// all of its data, starting at start. A big one is read into a buffer of
// its own size (processMultibulkBuffer trims what precedes it).
func (p *reqReader) bulkPending(start, n int) {
	p.bulklen = n
	p.st.bulklen.Store(int64(n))
	if n >= bigArgLen {
		p.bigArgHeader(start, n)
	}
}

// bigArgHeader: the buffer now begins at the big bulk's data, and has room
// for all of it, when nothing follows the bulk.
func (p *reqReader) bigArgHeader(start, n int) {
	if have := p.w - start; have-2 <= n {
		p.bigTrim = true
		alloc := int(p.st.alloc.Load())
		if a := sdsMakeRoom(alloc, have, min(n, sdsModelMax)+2-have, false); a != alloc {
			p.st.alloc.Store(int64(a))
		}
	}
}

// bulkDone is called for a bulk that was pending or is big, once its data
// is complete. A big bulk that filled the buffer exactly becomes the
// argument itself, and the client gets a new buffer of the same size.
func (p *reqReader) bulkDone(start, n int) {
	if p.bulklen < 0 && n >= bigArgLen {
		p.bigArgHeader(start, n)
	}
	if p.bigTrim {
		p.st.alloc.Store(int64(sdsAllocFor(min(n, sdsModelMax) + 2)))
		p.bigTrim = false
	}
	if p.bulklen >= 0 {
		p.bulklen = -1
		p.st.bulklen.Store(-1)
	}
}

// queryBufResize is clientsCronResizeQueryBuffer's decision: the new
// allocation (alloc when unchanged) and the peak to start the next period
// with, for a buffer of allocation alloc holding qlen bytes, with the
// largest length seen since the last run peak, the pending bulk's length
// bulklen (-1 for none), idle for idle whole seconds.
func queryBufResize(alloc, qlen, peak, bulklen, idle int64) (newAlloc, newPeak int64) {
	newAlloc = alloc
	if alloc-qlen > resizeMinFree {
		if idle > qbufIdleSecs {
			newAlloc = qlen
		} else if alloc > resizeThreshold && alloc/2 > peak {
			newAlloc = max(qlen, peak, bulklen)
		}
	}
	return newAlloc, max(qlen, bulklen)
}

// cronQueryBuffers applies queryBufResize to every client's buffer, as
// clientsCron does (Redis visits at least five clients per run, each once a
// second when there are many; Ember visits all of them every run).
func (s *Server) cronQueryBuffers(now time.Time) {
	sec := now.Unix()
	s.clients.mu.Lock()
	defer s.clients.mu.Unlock()
	for _, c := range s.clients.m {
		st := c.rd.st
		alloc := st.alloc.Load()
		idle := sec - c.lastInteraction.Load()/int64(time.Second)
		na, np := queryBufResize(alloc, c.qbuf.Load(), st.peak.Load(), st.bulklen.Load(), idle)
		if na != alloc {
			st.alloc.Store(na)
		}
		st.peak.Store(np)
	}
}

// queryBufFree is the unused allocation next to qlen bytes (qbuf-free).
func (c *Client) queryBufFree(qlen int64) int64 {
	return max(c.rd.st.alloc.Load()-qlen, 0)
}
