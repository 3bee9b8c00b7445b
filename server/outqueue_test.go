package server

import (
	"bytes"
	"math/rand"
	"net"
	"testing"
)

// The queue gives back exactly the bytes appended and prepended, in order,
// whatever their sizes against the block size.
func TestOutQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		var q outQueue
		var want []byte
		for i := 0; i < 1+rng.Intn(20); i++ {
			b := make([]byte, rng.Intn(3*outChunk))
			rng.Read(b)
			if rng.Intn(4) == 0 {
				q.Prepend(b)
				want = append(append([]byte{}, b...), want...)
			} else {
				q.Append(b)
				want = append(want, b...)
			}
			if q.Len() != len(want) {
				t.Fatalf("Len %d, want %d", q.Len(), len(want))
			}
		}
		chunks := q.Take()
		if q.Len() != 0 || len(q.chunks) != 0 {
			t.Fatal("Take left something queued")
		}
		got := bytes.Join(chunks, nil)
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d: %d bytes back, want %d (or different content)", round, len(got), len(want))
		}
		for _, c := range chunks {
			if cap(c) != outChunk {
				t.Fatalf("block of capacity %d", cap(c))
			}
		}
		releaseChunks(chunks)
	}
}

// writeChunks sends every block in order over a real connection.
func TestWriteChunks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := make([]byte, 5*outChunk+123)
	rand.New(rand.NewSource(2)).Read(want)
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(c)
		got <- buf.Bytes()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	var q outQueue
	q.Append(want[:100])
	q.Append(want[100:])
	var scratch net.Buffers
	chunks := q.Take()
	if err := writeChunks(c, chunks, &scratch); err != nil {
		t.Fatal(err)
	}
	releaseChunks(chunks)
	c.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes, want %d", len(b), len(want))
	}
}
