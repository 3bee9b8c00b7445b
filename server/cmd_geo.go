package server

import (
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/ember-kv/ember/store"
)

// GEO commands (Redis's geo.c): points are sorted-set members whose score
// is their 52-bit geohash (geohash.go).

func geoCommands() []*Command {
	geo := func(name string, arity int, flags, since, summary, cx string, h HandlerFunc) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: "@geo", FirstKey: 1, LastKey: 1, Step: 1,
			Group: "geo", Since: since, Summary: summary, Complexity: cx, Handler: h}
	}
	const radiusCx = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."
	const searchCx = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"
	georadius := geo("georadius", -6, "write denyoom", "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", radiusCx, cmdGeoRadius)
	georadius.Keys = geoStoreKeys(6)
	byMember := geo("georadiusbymember", -5, "write denyoom", "3.2.0", "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", radiusCx, cmdGeoRadiusByMember)
	byMember.Keys = geoStoreKeys(5)
	searchStore := geo("geosearchstore", -8, "write denyoom", "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", searchCx, cmdGeoSearchStore)
	searchStore.LastKey = 2
	return []*Command{
		geo("geoadd", -5, "write denyoom", "3.2.0", "Add one or more geospatial items in the geospatial index represented using a sorted set", "O(log(N)) for each item added, where N is the number of elements in the sorted set.", cmdGeoAdd),
		geo("geodist", -4, "readonly", "3.2.0", "Returns the distance between two members of a geospatial index", "O(log(N))", cmdGeoDist),
		geo("geohash", -2, "readonly", "3.2.0", "Returns members of a geospatial index as standard geohash strings", "O(log(N)) for each member requested, where N is the number of elements in the sorted set.", cmdGeoHash),
		geo("geopos", -2, "readonly", "3.2.0", "Returns longitude and latitude of members of a geospatial index", "O(N) where N is the number of members requested.", cmdGeoPos),
		georadius,
		byMember,
		geo("georadius_ro", -6, "readonly", "3.2.10", "A read-only variant for GEORADIUS", radiusCx, cmdGeoRadiusRO),
		geo("georadiusbymember_ro", -5, "readonly", "3.2.10", "A read-only variant for GEORADIUSBYMEMBER", radiusCx, cmdGeoRadiusByMemberRO),
		geo("geosearch", -7, "readonly", "6.2.0", "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", searchCx, cmdGeoSearch),
		searchStore,
	}
}

// geoStoreKeys finds GEORADIUS's keys as its key specs do: the source and
// the argument after every STORE or STOREDIST from position from on.
func geoStoreKeys(from int) KeysFunc {
	return func(args [][]byte, dst []int) []int {
		dst = append(dst, 1)
		for i := from; i+1 < len(args); i++ {
			if optIs(args[i], "store") || optIs(args[i], "storedist") {
				dst = append(dst, i+1)
			}
		}
		return dst
	}
}

// geoLongLat parses a longitude and a latitude (extractLongLatOrReply).
func geoLongLat(c *Client, a, b []byte) (long, lat float64, ok bool) {
	long, ok1 := store.ParseScore(a)
	lat, ok2 := store.ParseScore(b)
	if !ok1 || !ok2 {
		c.Error(ErrNotFloat)
		return 0, 0, false
	}
	if long < geoLongMin || long > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		c.Error("ERR invalid longitude,latitude pair " + string(store.AppendCFloat(nil, long, 'f', 6)) + "," + string(store.AppendCFloat(nil, lat, 'f', 6)))
		return 0, 0, false
	}
	return long, lat, true
}

// geoUnit is the size in metres of a unit argument (extractUnitOrReply).
func geoUnit(c *Client, u []byte) (float64, bool) {
	switch {
	case optIs(u, "m"):
		return 1, true
	case optIs(u, "km"):
		return 1000, true
	case optIs(u, "ft"):
		return 0.3048, true
	case optIs(u, "mi"):
		return 1609.34, true
	}
	c.Error("ERR unsupported unit provided. please use M, KM, FT, MI")
	return 0, false
}

// geoRadius parses "radius unit" into s.
func geoRadius(c *Client, s *geoShape, n, unit []byte) bool {
	r, ok := store.ParseScore(n)
	if !ok {
		c.Error("ERR need numeric radius")
		return false
	}
	if r < 0 {
		c.Error("ERR radius cannot be negative")
		return false
	}
	s.radius = r
	s.conversion, ok = geoUnit(c, unit)
	return ok
}

// geoBox parses "width height unit" into s.
func geoBox(c *Client, s *geoShape, w, h, unit []byte) bool {
	width, ok := store.ParseScore(w)
	if !ok {
		c.Error("ERR need numeric width")
		return false
	}
	height, ok := store.ParseScore(h)
	if !ok {
		c.Error("ERR need numeric height")
		return false
	}
	if height < 0 || width < 0 {
		c.Error("ERR height or width cannot be negative")
		return false
	}
	s.width, s.height = width, height
	s.conversion, ok = geoUnit(c, unit)
	return ok
}

// geoDistanceReply appends a distance with four decimals, rounded as
// Redis's fixedpoint_d2string does (llrint of d*10^4).
func geoDistanceReply(c *Client, d float64) {
	if d == 0 {
		c.w.BulkString("0.0000")
		return
	}
	v := math.RoundToEven(d * 10000)
	neg := v < 0
	digits := strconv.FormatUint(uint64(math.Abs(v)), 10)
	for len(digits) < 5 {
		digits = "0" + digits
	}
	s := digits[:len(digits)-4] + "." + digits[len(digits)-4:]
	if neg {
		s = "-" + s
	}
	c.w.BulkString(s)
}

// geoCoordReply appends a coordinate as Redis's addReplyHumanLongDouble:
// 17 decimals without trailing zeros, a bulk string in RESP2 and a double
// in RESP3.
func geoCoordReply(c *Client, f float64) {
	b := store.AppendLongDouble(nil, new(big.Float).SetFloat64(f)) // the double, exactly
	if c.w.proto == 3 {
		c.w.Raw([]byte(","))
		c.w.Raw(b)
		c.w.Raw([]byte("\r\n"))
		return
	}
	c.w.Bulk(b)
}

// GEOADD key [NX | XX] [CH] longitude latitude member [...]
func cmdGeoAdd(c *Client, args [][]byte) {
	nx, xx := false, false
	i := 2
	for ; i < len(args); i++ {
		switch {
		case optIs(args[i], "nx"):
			nx = true
		case optIs(args[i], "xx"):
			xx = true
		case optIs(args[i], "ch"): // ZADD takes it
		default:
			goto points
		}
	}
points:
	if (len(args)-i)%3 != 0 || (nx && xx) {
		c.Error(ErrSyntax)
		return
	}
	// GEOADD is ZADD with the points' geohashes as scores, and is
	// propagated as that ZADD.
	zargs := make([][]byte, 0, i+(len(args)-i)/3*2)
	zargs = append(zargs, []byte("zadd"))
	zargs = append(zargs, args[1:i]...)
	for j := i; j < len(args); j += 3 {
		long, lat, ok := geoLongLat(c, args[j], args[j+1])
		if !ok {
			return
		}
		h, _ := geoEncode(mercatorLong, mercatorLat, long, lat, geoStepMax)
		zargs = append(zargs, strconv.AppendUint(nil, geoAlign52(h), 10), args[j+2])
	}
	zaddGeneric(c, zargs, 0)
	c.propagateAs(zargs...)
}

// GEODIST key member1 member2 [M | KM | FT | MI]
func cmdGeoDist(c *Client, args [][]byte) {
	toMeter := 1.0
	switch {
	case len(args) == 5:
		var ok bool
		if toMeter, ok = geoUnit(c, args[4]); !ok {
			return
		}
	case len(args) > 5:
		c.Error(ErrSyntax)
		return
	}
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	if z == nil {
		c.w.Null()
		return
	}
	s1, ok1 := z.Score(args[2])
	s2, ok2 := z.Score(args[3])
	if !ok1 || !ok2 {
		c.w.Null()
		return
	}
	long1, lat1, ok1 := geoScoreToLongLat(s1)
	long2, lat2, ok2 := geoScoreToLongLat(s2)
	if !ok1 || !ok2 {
		c.w.Null()
		return
	}
	geoDistanceReply(c, geoDistance(long1, lat1, long2, lat2)/toMeter)
}

// geoMemberPos is the position of member m of z (nil when the key is
// absent); ok is false when it is missing or its score decodes to nothing.
func geoMemberPos(z *store.ZSet, m []byte) (long, lat float64, ok bool) {
	if z == nil {
		return 0, 0, false
	}
	score, found := z.Score(m)
	if !found {
		return 0, 0, false
	}
	return geoScoreToLongLat(score)
}

const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

// geoPerMember replies with an array of one entry per member named in
// args[2:] (GEOHASH, GEOPOS): found for the ones with a position, missing
// for the others.
func geoPerMember(c *Client, args [][]byte, missing func(), found func(long, lat float64)) {
	z, ok := zsetFor(c, args[1])
	if !ok {
		return
	}
	c.w.Array(len(args) - 2)
	for _, m := range args[2:] {
		if long, lat, ok := geoMemberPos(z, m); ok {
			found(long, lat)
		} else {
			missing()
		}
	}
}

// GEOHASH key [member ...]
func cmdGeoHash(c *Client, args [][]byte) {
	geoPerMember(c, args, c.w.Null, func(long, lat float64) {
		// Re-encoded over the standard latitude range (Ember and Redis
		// index over Mercator's), so the string is a standard geohash.
		h, _ := geoEncode(geoRange{-180, 180}, geoRange{-90, 90}, long, lat, 26)
		var buf [11]byte
		for i := range 10 {
			buf[i] = geoAlphabet[(h.bits>>(52-uint(i+1)*5))&0x1f]
		}
		buf[10] = geoAlphabet[0] // 52 bits fill ten characters; the eleventh is 0
		c.w.Bulk(buf[:])
	})
}

// GEOPOS key [member ...]
func cmdGeoPos(c *Client, args [][]byte) {
	geoPerMember(c, args, c.w.NullArray, func(long, lat float64) {
		c.w.Array(2)
		geoCoordReply(c, long)
		geoCoordReply(c, lat)
	})
}

// The search variants (georadiusGeneric's flags).
const (
	geoFromCoords  = 1 << iota // GEORADIUS: centre given as longitude latitude
	geoFromMember              // GEORADIUSBYMEMBER: centre at a member
	geoNoStore                 // the _RO variants
	geoSearch                  // GEOSEARCH's arguments
	geoSearchStore             // GEOSEARCHSTORE
)

func cmdGeoRadius(c *Client, args [][]byte)         { geoSearchGeneric(c, args, 1, geoFromCoords) }
func cmdGeoRadiusByMember(c *Client, args [][]byte) { geoSearchGeneric(c, args, 1, geoFromMember) }
func cmdGeoRadiusRO(c *Client, args [][]byte)       { geoSearchGeneric(c, args, 1, geoFromCoords|geoNoStore) }
func cmdGeoRadiusByMemberRO(c *Client, args [][]byte) {
	geoSearchGeneric(c, args, 1, geoFromMember|geoNoStore)
}
func cmdGeoSearch(c *Client, args [][]byte) { geoSearchGeneric(c, args, 1, geoSearch) }
func cmdGeoSearchStore(c *Client, args [][]byte) {
	geoSearchGeneric(c, args, 2, geoSearch|geoSearchStore)
}

// geoPoint is one search result.
type geoPoint struct {
	long, lat, dist, score float64
	member                 []byte
}

// geoSearchGeneric is Redis's georadiusGeneric: the same argument checks
// in the same order, the same cells scanned in the same order.
func geoSearchGeneric(c *Client, args [][]byte, src int, flags int) {
	z, ok := zsetFor(c, args[src])
	if !ok {
		return
	}
	var shape geoShape
	var storeKey []byte
	storeDist := false
	base := 0
	memberScore := func(m []byte) bool {
		s, found := z.Score(m)
		if found {
			shape.long, shape.lat, found = geoScoreToLongLat(s)
		}
		if !found {
			c.Error("ERR could not decode requested zset member")
		}
		return found
	}
	switch {
	case flags&geoFromCoords != 0:
		base = 6
		if shape.long, shape.lat, ok = geoLongLat(c, args[2], args[3]); !ok || !geoRadius(c, &shape, args[4], args[5]) {
			return
		}
	case flags&geoFromMember != 0 && z == nil:
		base = 5 // parse the options anyway: the reply depends on STORE
	case flags&geoFromMember != 0:
		base = 5
		if !memberScore(args[2]) || !geoRadius(c, &shape, args[3], args[4]) {
			return
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = args[1]
		}
	}
	withDist, withHash, withCoord, any := false, false, false, false
	fromMember, fromLoc, byRadius, byBox := false, false, false, false
	sort := 0 // 1 ascending, 2 descending
	var count int64
	rest := args[base:]
	is := optIs
	for i := 0; i < len(rest); i++ {
		a, left := rest[i], len(rest)-i-1
		switch {
		case is(a, "withdist"):
			withDist = true
		case is(a, "withhash"):
			withHash = true
		case is(a, "withcoord"):
			withCoord = true
		case is(a, "any"):
			any = true
		case is(a, "asc"):
			sort = 1
		case is(a, "desc"):
			sort = 2
		case is(a, "count") && left >= 1:
			n, ok := store.ParseInt(rest[i+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			if n <= 0 {
				c.Error("ERR COUNT must be > 0")
				return
			}
			count = n
			i++
		case (is(a, "store") || is(a, "storedist")) && left >= 1 && flags&(geoNoStore|geoSearch) == 0:
			storeKey, storeDist = rest[i+1], is(a, "storedist")
			i++
		case is(a, "storedist") && flags&geoSearchStore != 0:
			storeDist = true
		case is(a, "frommember") && left >= 1 && flags&geoSearch != 0 && !fromLoc:
			if z != nil && !memberScore(rest[i+1]) {
				return
			}
			fromMember = true
			i++
		case is(a, "fromlonlat") && left >= 2 && flags&geoSearch != 0 && !fromMember:
			if shape.long, shape.lat, ok = geoLongLat(c, rest[i+1], rest[i+2]); !ok {
				return
			}
			fromLoc = true
			i += 2
		case is(a, "byradius") && left >= 2 && flags&geoSearch != 0 && !byBox:
			if !geoRadius(c, &shape, rest[i+1], rest[i+2]) {
				return
			}
			shape.box = false
			byRadius = true
			i += 2
		case is(a, "bybox") && left >= 3 && flags&geoSearch != 0 && !byRadius:
			if !geoBox(c, &shape, rest[i+1], rest[i+2], rest[i+3]) {
				return
			}
			shape.box = true
			byBox = true
			i += 3
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	switch {
	case storeKey != nil && (withDist || withHash || withCoord):
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.Error("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	case flags&geoSearch != 0 && !fromMember && !fromLoc:
		c.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(args[0]))
		return
	case flags&geoSearch != 0 && !byRadius && !byBox:
		c.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(args[0]))
		return
	case any && count == 0:
		c.Error("ERR the ANY argument requires COUNT argument")
		return
	}
	if z == nil {
		if storeKey != nil {
			if c.tx.Delete(storeKey) {
				c.modified(storeKey, evGeneric, "del")
			}
			c.w.Int(0)
		} else {
			c.w.Array(0)
		}
		return
	}
	if count != 0 && sort == 0 && !any {
		sort = 1 // the nearest COUNT
	}
	var limit int64
	if any {
		limit = count
	}
	points := geoCollect(z, &shape, limit)
	if len(points) == 0 && storeKey == nil {
		c.w.Array(0)
		return
	}
	n := int64(len(points))
	if count != 0 && count < n {
		n = count
	}
	switch sort {
	case 1:
		slices.SortStableFunc(points, func(a, b geoPoint) int { return cmpFloat(a.dist, b.dist) })
	case 2:
		slices.SortStableFunc(points, func(a, b geoPoint) int { return cmpFloat(b.dist, a.dist) })
	}
	points = points[:n]
	if storeKey == nil {
		opts := 0
		for _, on := range []bool{withDist, withCoord, withHash} {
			if on {
				opts++
			}
		}
		c.w.Array(len(points))
		for _, p := range points {
			if opts > 0 {
				c.w.Array(opts + 1)
			}
			c.w.Bulk(p.member)
			if withDist {
				geoDistanceReply(c, p.dist/shape.conversion)
			}
			if withHash {
				c.w.Int(int64(p.score))
			}
			if withCoord {
				c.w.Array(2)
				geoCoordReply(c, p.long)
				geoCoordReply(c, p.lat)
			}
		}
		return
	}
	if len(points) == 0 {
		if c.tx.Delete(storeKey) {
			c.modified(storeKey, evGeneric, "del")
		}
		c.w.Int(0)
		return
	}
	elems := make([]store.ZElement, len(points))
	for i, p := range points {
		elems[i] = store.ZElement{Member: p.member, Score: p.score}
		if storeDist {
			elems[i].Score = p.dist / shape.conversion
		}
	}
	c.tx.ZStore(storeKey, elems)
	c.w.Int(int64(len(points)))
	event := "georadiusstore"
	if flags&geoSearch != 0 {
		event = "geosearchstore"
	}
	c.modified(storeKey, evZSet, event)
}

func cmpFloat(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// geoCollect scans the cells around the shape (membersOfAllNeighbors) and
// returns the members inside it, in scan order. With limit it stops once it
// has that many (COUNT ... ANY). Members are copied: the result may be
// stored over the source.
func geoCollect(z *store.ZSet, shape *geoShape, limit int64) []geoPoint {
	cells := shape.cells()
	var points []geoPoint
	var names []byte
	full := func() bool { return limit > 0 && int64(len(points)) >= limit }
	last := 0
	for i, cell := range cells {
		if cell.isZero() {
			continue
		}
		// A huge radius can make neighbours repeat: skip a cell equal to
		// the one scanned before (never compared with the centre, as in
		// Redis).
		if last != 0 && cell == cells[last] {
			continue
		}
		if full() {
			break
		}
		lo := geoAlign52(cell)
		cell.bits++
		hi := geoAlign52(cell)
		r := store.ScoreRange{Min: float64(lo), Max: float64(hi), MaxEx: true}
		z.ScoresFrom(&r, func(m []byte, score float64) bool {
			long, lat, ok := geoScoreToLongLat(score)
			if ok {
				if d, in := shape.within(long, lat); in {
					start := len(names)
					names = append(names, m...)
					points = append(points, geoPoint{long: long, lat: lat, dist: d, score: score, member: names[start:len(names):len(names)]})
				}
			}
			return !full()
		})
		last = i
	}
	// names may have moved as it grew: point the members at its final
	// bytes.
	off := 0
	for i := range points {
		l := len(points[i].member)
		points[i].member = names[off : off+l : off+l]
		off += l
	}
	return points
}
