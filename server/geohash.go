package server

import "math"

// Geohash arithmetic of Redis's GEO commands (geohash.c, geohash_helper.c):
// a point is a 52-bit interleaving of its latitude and longitude cells
// (26 bits each) over Web Mercator's range, stored as a sorted-set score.
// A search covers the cell around its centre and the eight neighbours at a
// precision chosen from the radius, then filters by distance. The same
// steps in the same order give the same members in the same order as
// Redis, so unsorted replies match too.

const (
	geoLongMin  = -180.0
	geoLongMax  = 180.0
	geoLatMin   = -85.05112878
	geoLatMax   = 85.05112878
	geoStepMax  = 26 // 52 bits
	earthRadius = 6372797.560856
	mercatorMax = 20037726.37
	degToRad    = math.Pi / 180.0
)

// geoCell is a geohash of step*2 bits.
type geoCell struct {
	bits uint64
	step uint8
}

func (h geoCell) isZero() bool { return h.bits == 0 && h.step == 0 }

// geoRange is a closed interval of one coordinate.
type geoRange struct{ min, max float64 }

// geoArea is the rectangle a cell covers.
type geoArea struct {
	long, lat geoRange
}

var (
	mercatorLong = geoRange{geoLongMin, geoLongMax}
	mercatorLat  = geoRange{geoLatMin, geoLatMax}
)

// interleave puts x's bits in the even positions and y's in the odd ones.
func interleave(x, y uint32) uint64 {
	spread := func(v uint64) uint64 {
		v = (v | v<<16) & 0x0000FFFF0000FFFF
		v = (v | v<<8) & 0x00FF00FF00FF00FF
		v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
		v = (v | v<<2) & 0x3333333333333333
		v = (v | v<<1) & 0x5555555555555555
		return v
	}
	return spread(uint64(x)) | spread(uint64(y))<<1
}

// deinterleave is interleave's inverse: x in the low 32 bits, y above.
func deinterleave(v uint64) uint64 {
	squeeze := func(v uint64) uint64 {
		v &= 0x5555555555555555
		v = (v | v>>1) & 0x3333333333333333
		v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
		v = (v | v>>4) & 0x00FF00FF00FF00FF
		v = (v | v>>8) & 0x0000FFFF0000FFFF
		v = (v | v>>16) & 0x00000000FFFFFFFF
		return v
	}
	return squeeze(v) | squeeze(v>>1)<<32
}

// geoEncode is geohashEncode: false outside the ranges or Mercator's limits.
func geoEncode(longR, latR geoRange, long, lat float64, step uint8) (geoCell, bool) {
	if step > 32 || step == 0 || latR.max-latR.min == 0 || longR.max-longR.min == 0 {
		return geoCell{}, false
	}
	if long > geoLongMax || long < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoCell{}, false
	}
	if lat < latR.min || lat > latR.max || long < longR.min || long > longR.max {
		return geoCell{step: step}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	longOff := (long - longR.min) / (longR.max - longR.min)
	latOff *= float64(uint64(1) << step)
	longOff *= float64(uint64(1) << step)
	return geoCell{bits: interleave(uint32(latOff), uint32(longOff)), step: step}, true
}

// geoDecode is geohashDecode: the rectangle of a cell.
func geoDecode(longR, latR geoRange, h geoCell) (geoArea, bool) {
	if h.isZero() {
		return geoArea{}, false
	}
	sep := deinterleave(h.bits)
	latScale := latR.max - latR.min
	longScale := longR.max - longR.min
	ilat := uint32(sep)
	ilong := uint32(sep >> 32)
	div := float64(uint64(1) << h.step)
	return geoArea{
		lat: geoRange{
			latR.min + float64((float64(ilat)/div)*latScale),
			latR.min + float64((float64(uint64(ilat)+1)/div)*latScale),
		},
		long: geoRange{
			longR.min + float64((float64(ilong)/div)*longScale),
			longR.min + float64((float64(uint64(ilong)+1)/div)*longScale),
		},
	}, true
}

// geoScoreToLongLat decodes a member's score into its cell's centre.
func geoScoreToLongLat(score float64) (long, lat float64, ok bool) {
	area, ok := geoDecode(mercatorLong, mercatorLat, geoCell{bits: cUint64(score), step: geoStepMax})
	if !ok {
		return 0, 0, false
	}
	long = min(max((area.long.min+area.long.max)/2, geoLongMin), geoLongMax)
	lat = min(max((area.lat.min+area.lat.max)/2, geoLatMin), geoLatMax)
	return long, lat, true
}

// cUint64 converts as C's (uint64_t) cast does on x86-64 for any score a
// user could have stored with ZADD: negative values wrap, values past 2^64
// give 0.
func cUint64(f float64) uint64 {
	const two63 = 9223372036854775808.0
	if f < two63 {
		return uint64(int64(f))
	}
	return uint64(int64(f-two63)) ^ 1<<63
}

func geoAlign52(h geoCell) uint64 { return h.bits << (52 - uint(h.step)*2) }

// geoMove shifts a cell by d (-1, 0, 1) along longitude (x, the odd bits)
// or latitude (the even bits): the other coordinate's bits are set to ones
// so that the carry or borrow runs through them.
func geoMove(h geoCell, d int, x bool) geoCell {
	if d == 0 {
		return h
	}
	const odd, even = 0xaaaaaaaaaaaaaaaa, 0x5555555555555555
	mine, other := uint64(even), uint64(odd)
	if x {
		mine, other = odd, even
	}
	shift := 64 - uint(h.step)*2
	v, keep := h.bits&mine, h.bits&other
	zz := other >> shift
	if d > 0 {
		v += zz + 1
	} else {
		v |= zz
		v -= zz + 1
	}
	v &= mine >> shift
	h.bits = v | keep
	return h
}

func geoNeighbor(h geoCell, dx, dy int) geoCell { return geoMove(geoMove(h, dx, true), dy, false) }

// geoShape is a search area: a circle (radius) or a box (width, height),
// in the unit whose size in metres is conversion, around long, lat.
type geoShape struct {
	long, lat     float64
	box           bool
	radius        float64
	width, height float64
	conversion    float64
}

// geoStepsForRadius is geohashEstimateStepsByRadius.
func geoStepsForRadius(meters, lat float64) uint8 {
	if meters == 0 {
		return 26
	}
	step := 1
	for meters < mercatorMax {
		meters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// bounds is geohashBoundingBox: min long, min lat, max long, max lat.
func (s *geoShape) bounds() [4]float64 {
	height, width := s.conversion*s.radius, s.conversion*s.radius
	if s.box {
		height, width = s.conversion*(s.height/2), s.conversion*(s.width/2)
	}
	latDelta := (height / earthRadius) / degToRad
	longDeltaTop := (width / earthRadius / geoCos((s.lat+latDelta)*degToRad)) / degToRad
	longDeltaBottom := (width / earthRadius / geoCos((s.lat-latDelta)*degToRad)) / degToRad
	var b [4]float64
	if s.lat < 0 { // the southern hemisphere's widest edge is the other one
		b[0], b[2] = s.long-longDeltaBottom, s.long+longDeltaBottom
	} else {
		b[0], b[2] = s.long-longDeltaTop, s.long+longDeltaTop
	}
	b[1], b[3] = s.lat-latDelta, s.lat+latDelta
	return b
}

// cells is geohashCalculateAreasByShapeWGS84 followed by the order
// membersOfAllNeighbors scans: the centre cell, north, south, east, west,
// north-east, north-west, south-east, south-west; cells that cannot hold a
// match are zero.
func (s *geoShape) cells() [9]geoCell {
	b := s.bounds()
	minLong, minLat, maxLong, maxLat := b[0], b[1], b[2], b[3]
	meters := s.radius
	if s.box {
		meters = math.Sqrt(float64((s.width/2)*(s.width/2)) + float64((s.height/2)*(s.height/2)))
	}
	meters *= s.conversion
	steps := geoStepsForRadius(meters, s.lat)
	hash, _ := geoEncode(mercatorLong, mercatorLat, s.long, s.lat, steps)
	nb := func(h geoCell) [9]geoCell {
		return [9]geoCell{h, geoNeighbor(h, 0, 1), geoNeighbor(h, 0, -1), geoNeighbor(h, 1, 0), geoNeighbor(h, -1, 0),
			geoNeighbor(h, 1, 1), geoNeighbor(h, -1, 1), geoNeighbor(h, 1, -1), geoNeighbor(h, -1, -1)}
	}
	cells := nb(hash)
	area, _ := geoDecode(mercatorLong, mercatorLat, hash)
	// A neighbour too close to the search area's edge to cover it: one
	// step coarser.
	north, _ := geoDecode(mercatorLong, mercatorLat, cells[1])
	south, _ := geoDecode(mercatorLong, mercatorLat, cells[2])
	east, _ := geoDecode(mercatorLong, mercatorLat, cells[3])
	west, _ := geoDecode(mercatorLong, mercatorLat, cells[4])
	decrease := north.lat.max < maxLat || south.lat.min > minLat || east.long.max < maxLong || west.long.min > minLong
	if steps > 1 && decrease {
		steps--
		hash, _ = geoEncode(mercatorLong, mercatorLat, s.long, s.lat, steps)
		cells = nb(hash)
		area, _ = geoDecode(mercatorLong, mercatorLat, hash)
	}
	// Drop the neighbours the search area does not reach.
	if steps >= 2 {
		const n, so, e, w, ne, nw, se, sw = 1, 2, 3, 4, 5, 6, 7, 8
		if area.lat.min < minLat {
			cells[so], cells[sw], cells[se] = geoCell{}, geoCell{}, geoCell{}
		}
		if area.lat.max > maxLat {
			cells[n], cells[ne], cells[nw] = geoCell{}, geoCell{}, geoCell{}
		}
		if area.long.min < minLong {
			cells[w], cells[sw], cells[nw] = geoCell{}, geoCell{}, geoCell{}
		}
		if area.long.max > maxLong {
			cells[e], cells[se], cells[ne] = geoCell{}, geoCell{}, geoCell{}
		}
	}
	return cells
}

// geoLatDistance is the distance in metres between two latitudes.
func geoLatDistance(lat1, lat2 float64) float64 {
	return earthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// geoDistance is the haversine distance in metres.
func geoDistance(long1, lat1, long2, lat2 float64) float64 {
	long1r, long2r := long1*degToRad, long2*degToRad
	v := geoSin((long2r - long1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := lat1*degToRad, lat2*degToRad
	u := geoSin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * earthRadius * geoAsin(math.Sqrt(a))
}

// within reports whether the point at long, lat is in the shape, and its
// distance in metres from the centre.
func (s *geoShape) within(long, lat float64) (float64, bool) {
	if !s.box {
		d := geoDistance(s.long, s.lat, long, lat)
		return d, d <= s.radius*s.conversion
	}
	w, h := s.width*s.conversion, s.height*s.conversion
	if geoLatDistance(lat, s.lat) > h/2 {
		return 0, false
	}
	if geoDistance(long, lat, s.long, lat) > w/2 {
		return 0, false
	}
	return geoDistance(s.long, s.lat, long, lat), true
}

// Sine, cosine and arcsine rounded as glibc rounds them. The distances are
// stored by GEOSEARCHSTORE ... STOREDIST and GEORADIUS ... STOREDIST with
// all their digits, and Go's math.Sin, math.Cos and math.Asin differ from
// glibc's in the last bit for a sixth to a third of all inputs; glibc's
// are (almost always) correctly rounded. These evaluate in double-double
// arithmetic (about 106 bits) and round once.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func ddNorm(hi, lo float64) dd {
	s := hi + lo
	return dd{s, lo - (s - hi)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	return ddNorm(s.hi, s.lo+a.lo+b.lo)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += a.hi*b.lo + a.lo*b.hi
	return ddNorm(p, e)
}

// ddDivInt divides by a small integer n (exactly representable).
func ddDivInt(a dd, n float64) dd {
	q1 := a.hi / n
	// a - q1*n, exactly in its high part.
	p := q1 * n
	e := math.FMA(q1, n, -p)
	r := (a.hi - p - e + a.lo) / n
	return ddNorm(q1, r)
}

// sinCosDD returns sin(x) and cos(x) by their Taylor series, for |x| <= 4.
func sinCosDD(x float64) (sin, cos dd) {
	x2 := ddMul(dd{x, 0}, dd{x, 0})
	sin, cos = dd{x, 0}, dd{1, 0}
	st, ct := dd{x, 0}, dd{1, 0}
	for k := 1; k < 40; k++ {
		// st: x^(2k+1)/(2k+1)!, ct: x^(2k)/(2k)!, alternating.
		st = ddDivInt(ddMul(st, x2), float64((2*k)*(2*k+1)))
		ct = ddDivInt(ddMul(ct, x2), float64((2*k-1)*(2*k)))
		st.hi, st.lo = -st.hi, -st.lo
		ct.hi, ct.lo = -ct.hi, -ct.lo
		sin = ddAdd(sin, st)
		cos = ddAdd(cos, ct)
		if math.Abs(st.hi) < 1e-40 && math.Abs(ct.hi) < 1e-40 {
			break
		}
	}
	return sin, cos
}

func geoSin(x float64) float64 {
	if math.Abs(x) > 4 || x == 0 {
		return math.Sin(x)
	}
	s, _ := sinCosDD(x)
	return s.hi
}

func geoCos(x float64) float64 {
	if math.Abs(x) > 4 {
		return math.Cos(x)
	}
	_, c := sinCosDD(x)
	return c.hi
}

// geoAsin refines math.Asin by one Newton step on sin(a) = y in
// double-double. Near |y| = 1 the step is ill-conditioned: math.Asin stays.
func geoAsin(y float64) float64 {
	a := math.Asin(y)
	if math.Abs(y) > 0.999 || y == 0 || math.IsNaN(a) {
		return a
	}
	s, c := sinCosDD(a)
	d := ddAdd(s, dd{-y, 0})
	corr := (d.hi + d.lo) / c.hi
	return twoSum(a, -corr).hi
}
