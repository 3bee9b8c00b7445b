package persistence

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ember-kv/ember/store"
)

// The snapshot must equal the dataset as it was at Begin, whatever writers
// do meanwhile: overwrite, delete, create, expire, change collections in
// place, move, rename, flush and swap databases.
func TestSnapshot_PointInTimeUnderWrites(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			st := store.New(store.Options{Shards: 8, Databases: 4})
			fill(t, st, seed)
			snap, err := BeginSnapshot(st, SaveOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := contents(t, st) // nothing has written since Begin
			if _, err := st.BeginSnapshot(nil, nil); err != store.ErrSnapshotRunning {
				t.Fatalf("second snapshot: %v", err)
			}
			var wg sync.WaitGroup
			var ops atomic.Int64
			stop := make(chan struct{})
			// Let the writers make progress between the saver's chunks.
			snap.afterChunk = func() {
				target := ops.Load() + 30
				for i := 0; i < 1e6 && ops.Load() < target; i++ {
					runtime.Gosched()
				}
			}
			for w := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mutate(st, rand.New(rand.NewPCG(seed, uint64(w))), stop, seed%2 == 0, &ops)
				}()
			}
			var buf bytes.Buffer
			if _, err := snap.Write(&buf); err != nil {
				t.Fatal(err)
			}
			close(stop)
			wg.Wait()
			if snap.CowBytes() == 0 {
				t.Error("no key was copied aside: the test did not race the saver")
			}
			got := contents(t, load(t, buf.Bytes()))
			equalContents(t, want, got)
		})
	}
}

// mutate changes random keys until stop is closed (and at most 20000 times).
func mutate(st *store.Store, r *rand.Rand, stop chan struct{}, flushes bool, ops *atomic.Int64) {
	tx := store.NewTx(st)
	for i := 0; i < 20000; i++ {
		select {
		case <-stop:
			return
		default:
		}
		db := r.IntN(3)
		key := []byte(fmt.Sprintf("k%d", r.IntN(320)))
		key2 := []byte(fmt.Sprintf("k%d", r.IntN(320)))
		tx.Begin(db)
		op := r.IntN(14)
		if op >= 10 && op < 12 {
			tx.AddAll()
		} else {
			tx.AddKey(key)
			tx.AddKey(key2)
		}
		tx.Lock()
		switch op {
		case 0:
			tx.SetString(key, []byte(fmt.Sprint("new", i)), 0, false)
		case 1:
			tx.Delete(key)
		case 2:
			tx.SetExpiry(key, st.Now()+int64(r.IntN(100000)))
		case 3:
			tx.SAdd(key, [][]byte{[]byte("x"), []byte(fmt.Sprint(i))})
		case 4:
			tx.HSet(key, [][]byte{[]byte("f1"), []byte("changed")})
		case 5:
			tx.ZAdd(key, 0, []float64{float64(i)}, [][]byte{[]byte("z1")})
		case 6:
			tx.Rename(key, key2, false)
		case 7:
			tx.Move(key, (db+1)%3)
		case 8:
			tx.Append(key, []byte("tail"), 1<<20)
		case 9:
			tx.Copy(key, (db+2)%3, key2, true)
		case 10:
			if flushes && r.IntN(20) == 0 {
				tx.FlushDB(db)
			}
		case 11:
			if r.IntN(10) == 0 {
				tx.SwapDB(db, (db+1)%3)
			}
		case 12:
			tx.ListPush(key, [][]byte{[]byte(fmt.Sprint("p", i))}, i%2 == 0, false)
		case 13:
			tx.ListPop(key, i%2 == 0, 2, func([]byte) {})
		}
		tx.Unlock()
		ops.Add(1)
	}
}

// An abandoned snapshot detaches from every keyspace: the next one starts
// and sees the current data.
func TestSnapshot_CloseEarlyThenAgain(t *testing.T) {
	st := store.New(store.Options{Shards: 8, Databases: 4})
	fill(t, st, 9)
	snap, err := BeginSnapshot(st, SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	snap.snap.Next(nil)
	snap.Close()
	mutate(st, rand.New(rand.NewPCG(9, 9)), make(chan struct{}), true, new(atomic.Int64))
	want := contents(t, st)
	snap2, err := BeginSnapshot(st, SaveOptions{Compress: true})
	if err != nil {
		t.Fatalf("second snapshot: %v", err)
	}
	var buf bytes.Buffer
	if _, err := snap2.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if snap2.CowBytes() != 0 {
		t.Errorf("copies without writers: %d bytes", snap2.CowBytes())
	}
	equalContents(t, want, contents(t, load(t, buf.Bytes())))
}
