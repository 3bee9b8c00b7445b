package server

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Scores, coordinates and a distance Redis 7.0.15 gives for the same
// points (GEOADD, then ZSCORE, GEOPOS, GEODIST).
func TestGeo_MatchesRedisValues(t *testing.T) {
	h, ok := geoEncode(mercatorLong, mercatorLat, 13.361389, 38.115556, geoStepMax)
	if !ok || geoAlign52(h) != 3479099956230698 {
		t.Fatalf("Palermo's score %d, Redis 3479099956230698", geoAlign52(h))
	}
	long, lat, ok := geoScoreToLongLat(3479447370796909)
	if !ok || long != 15.08726745843887329 || lat != 37.50266842333162032 {
		t.Fatalf("Catania decodes to %v,%v", long, lat)
	}
	pl, pa, _ := geoScoreToLongLat(3479099956230698)
	if d := geoDistance(pl, pa, long, lat); math.Abs(d-166274.1516) > 0.00005 {
		t.Fatalf("Palermo-Catania %.4f m, Redis 166274.1516", d)
	}
	// Scores past what a geohash can hold decode as C's cast makes them.
	if cUint64(-5) != math.MaxUint64-4 || cUint64(1e300) != 0 || cUint64(math.NaN()) != 0 || cUint64(3.0) != 3 {
		t.Fatal("cUint64")
	}
}

// geoNeighbor moves one cell in each direction and back.
func TestGeo_NeighboursAreInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 1000 {
		step := uint8(1 + r.IntN(26))
		h, ok := geoEncode(mercatorLong, mercatorLat, r.Float64()*300-150, r.Float64()*150-75, step)
		if !ok {
			t.Fatal("encode")
		}
		for _, d := range [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, -1}} {
			n := geoNeighbor(h, d[0], d[1])
			if n == h && step > 1 {
				t.Fatalf("step %d: neighbour %v is the cell itself", step, d)
			}
			if back := geoNeighbor(n, -d[0], -d[1]); back != h {
				t.Fatalf("step %d: %v then back gives %x, want %x", step, d, back.bits, h.bits)
			}
		}
	}
}

// geoSin, geoCos and geoAsin are correctly rounded (checked against a
// 200-bit evaluation), which is what glibc returns for almost every input.
func TestGeo_TrigIsCorrectlyRounded(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const prec = 200
	taylor := func(x float64, sin bool) float64 {
		bx := new(big.Float).SetPrec(prec).SetFloat64(x)
		x2 := new(big.Float).SetPrec(prec).Mul(bx, bx)
		term := new(big.Float).SetPrec(prec).SetFloat64(1)
		k := 0
		if sin {
			term.Set(bx)
			k = 1
		}
		sum := new(big.Float).SetPrec(prec).Set(term)
		for i := 0; i < 60; i++ {
			term.Mul(term, x2)
			term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64((k+1)*(k+2))))
			term.Neg(term)
			sum.Add(sum, term)
			k += 2
		}
		f, _ := sum.Float64()
		return f
	}
	for range 3000 {
		x := (r.Float64()*2 - 1) * 3.1
		if got, want := geoSin(x), taylor(x, true); got != want {
			t.Fatalf("sin(%v) = %v, correctly rounded %v", x, got, want)
		}
		if got, want := geoCos(x), taylor(x, false); got != want {
			t.Fatalf("cos(%v) = %v, correctly rounded %v", x, got, want)
		}
		y := r.Float64() * 0.99
		a := geoAsin(y)
		// a is correctly rounded when sin of its neighbours brackets y
		// no better than a does.
		lo, hi := math.Nextafter(a, 0), math.Nextafter(a, 2)
		sa, sl, sh := taylor(a, true), taylor(lo, true), taylor(hi, true)
		if math.Abs(sl-y) < math.Abs(sa-y) || math.Abs(sh-y) < math.Abs(sa-y) {
			t.Fatalf("asin(%v) = %v is not the nearest", y, a)
		}
	}
}
