package server

import (
	"net"
	"sync"
)

// outChunk is the size of the blocks an output queue is made of.
const outChunk = 16 << 10

// chunkPool recycles output blocks across connections, so that a client
// that reads slowly reuses the blocks its writer has already sent.
var chunkPool = sync.Pool{New: func() any { return new([outChunk]byte) }}

// outQueue is output waiting for a connection's writer goroutine: a list of
// fixed-size blocks, like Redis's reply list. A client that does not read
// costs what is queued for it and no more; a contiguous buffer growing by
// doubling would hold up to three times that while it copies, and keep
// its high-water capacity afterwards.
type outQueue struct {
	chunks [][]byte // every block but the last is full
	size   int
}

func (q *outQueue) Len() int { return q.size }

// Append copies b to the end of the queue.
func (q *outQueue) Append(b []byte) {
	q.size += len(b)
	for len(b) > 0 {
		n := len(q.chunks)
		if n == 0 || len(q.chunks[n-1]) == outChunk {
			q.chunks = append(q.chunks, chunkPool.Get().(*[outChunk]byte)[:0])
			n++
		}
		last := q.chunks[n-1]
		m := copy(last[len(last):outChunk], b)
		q.chunks[n-1] = last[:len(last)+m]
		b = b[m:]
	}
}

// Prepend puts b before everything queued.
func (q *outQueue) Prepend(b []byte) {
	if len(b) == 0 {
		return
	}
	var front outQueue
	front.Append(b)
	front.chunks = append(front.chunks, q.chunks...)
	q.chunks, q.size = front.chunks, q.size+front.size
}

// Take hands every queued block to the caller (who returns them with
// release once written) and leaves the queue empty.
func (q *outQueue) Take() [][]byte {
	c := q.chunks
	q.chunks, q.size = nil, 0
	return c
}

// Reset drops everything queued.
func (q *outQueue) Reset() {
	releaseChunks(q.Take())
}

// releaseChunks returns written (or dropped) blocks to the pool.
func releaseChunks(chunks [][]byte) {
	for i, c := range chunks {
		chunkPool.Put((*[outChunk]byte)(c[:outChunk]))
		chunks[i] = nil
	}
}

// writeChunks writes blocks in order with as few system calls as the
// connection allows (writev on TCP).
func writeChunks(conn net.Conn, chunks [][]byte, scratch *net.Buffers) error {
	// net.Buffers consumes the slice it writes from, so it gets a copy of
	// the block headers: the originals go back to the pool.
	*scratch = append((*scratch)[:0], chunks...)
	bufs := *scratch
	_, err := bufs.WriteTo(conn)
	clear((*scratch)[:cap(*scratch)])
	return err
}
