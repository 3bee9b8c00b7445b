package tests

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

const sicily = "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2"

var geoCases = []diffCase{
	{"geoadd", "GEOADD g 13.361389 38.115556 Palermo", "GEOADD g 13.361389 38.115556 Palermo", "GEOADD g CH 13.5 38.1 Palermo 15 37 Catania",
		"GEOADD g NX 1 1 Palermo 2 2 x", "GEOADD g XX CH 3 3 Palermo 4 4 y", "GEOADD g NX XX 1 1 z", "GEOADD g 1 2", "GEOADD g GT 1 1 a",
		"GEOADD g 200 1 a", "GEOADD g 1 86 a", "GEOADD g 1 -85.06 a", "GEOADD g inf 1 a", "GEOADD g -inf 1 a", "GEOADD g nan 1 a", "GEOADD g abc 1 a", "GEOADD g 1 abc a",
		"GEOADD g 180 85.05112878 n", "GEOADD g -180 -85.05112878 s", "GEOADD g -0 0 zero", "~ZRANGE g 0 -1 WITHSCORES", "OBJECT ENCODING g", "TYPE g"},
	{"geoadd wrong type", "SET s x", "GEOADD s 1 1 a", "GEOPOS s a", "GEODIST s a b", "GEOHASH s a", "GEORADIUS s 1 1 1 km", "GEOSEARCH s FROMLONLAT 1 1 BYRADIUS 1 km"},
	{"geopos geohash geodist", sicily, "GEOPOS Sicily Palermo Catania nosuch", "GEOHASH Sicily Palermo Catania nosuch edge1 edge2", "GEOPOS nokey a b", "GEOHASH nokey a",
		"GEOPOS Sicily", "GEOHASH Sicily", "GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania km", "GEODIST Sicily Palermo Catania MI",
		"GEODIST Sicily Palermo Catania ft", "GEODIST Sicily Palermo Catania parsec", "GEODIST Sicily Palermo Catania km x", "GEODIST Sicily Palermo nosuch",
		"GEODIST nokey a b", "GEODIST nokey a b parsec", "GEODIST Sicily Palermo Palermo", "ZADD Sicily -5 bad 1e300 huge", "GEOPOS Sicily bad huge", "GEOHASH Sicily bad"},
	{"geo resp3", "!HELLO 3", sicily, "GEOPOS Sicily Palermo nosuch", "GEOHASH Sicily nosuch", "GEODIST nokey a b", "GEORADIUS Sicily 15 37 200 km WITHCOORD WITHDIST WITHHASH",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD ASC"},
	{"georadius", sicily, "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH", "GEORADIUS Sicily 15 37 200 km", "GEORADIUS Sicily 15 37 200 km DESC COUNT 1",
		"GEORADIUS Sicily 15 37 200 km COUNT 1 ANY", "GEORADIUS Sicily 15 37 300 km ASC WITHDIST", "GEORADIUS Sicily 15 37 300000 m WITHDIST COUNT 3",
		"GEORADIUS Sicily 15 37 1000 km", "GEORADIUS Sicily 15 37 20000 km", "GEORADIUS Sicily 15 37 0 km", "GEORADIUS Sicily 15 37 1 m", "GEORADIUS nokey 15 37 1 km",
		"GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km", "GEORADIUS Sicily 15 37 1 parsec", "GEORADIUS Sicily 200 37 1 km", "GEORADIUS Sicily 15 37 1 km COUNT 0",
		"GEORADIUS Sicily 15 37 1 km COUNT -1", "GEORADIUS Sicily 15 37 1 km COUNT x", "GEORADIUS Sicily 15 37 1 km ANY", "GEORADIUS Sicily 15 37 1 km COUNT",
		"GEORADIUS Sicily 15 37 1 km BOGUS", "GEORADIUS Sicily 15 37 1 km FROMLONLAT 1 1", "GEORADIUS_RO Sicily 15 37 200 km WITHDIST", "GEORADIUS_RO Sicily 15 37 200 km STORE x"},
	{"georadiusbymember", sicily, "GEORADIUSBYMEMBER Sicily Palermo 300 km WITHDIST", "GEORADIUSBYMEMBER Sicily Palermo 300 km WITHDIST DESC",
		"GEORADIUSBYMEMBER Sicily nosuch 300 km", "GEORADIUSBYMEMBER nokey Palermo 300 km", "GEORADIUSBYMEMBER nokey Palermo abc km",
		"GEORADIUSBYMEMBER nokey Palermo 1 km STORE d", "GEORADIUSBYMEMBER Sicily Palermo 1 parsec", "GEORADIUSBYMEMBER_RO Sicily Catania 100 km WITHCOORD"},
	{"geosearch", sicily, "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST",
		"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 100 mi", "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 200 50 km WITHDIST",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY WITHHASH", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km DESC COUNT 1",
		"GEOSEARCH Sicily frommember Palermo byradius 1000 KM withdist", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km FROMMEMBER Palermo",
		"GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km BYBOX 1 1 km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 x km",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 parsec", "geosearch Sicily FROMLONLAT 15 37 WITHDIST x", "geosearch Sicily BYRADIUS 1 km WITHDIST",
		"GeoSearch Sicily FROMLONLAT 15 37 WITHDIST ASC", "GEOSEARCH Sicily FROMMEMBER nosuch BYRADIUS 1 km", "GEOSEARCH nokey FROMMEMBER nosuch BYRADIUS 1 km",
		"GEOSEARCH nokey FROMLONLAT 1 1 BYRADIUS 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST",
		"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY"},
	{"geo store", sicily, "SET d x", "EXPIRE d 100", "GEORADIUS Sicily 15 37 200 km STORE d", "ZRANGE d 0 -1 WITHSCORES", "TTL d",
		"GEORADIUS Sicily 15 37 200 km STOREDIST d2 COUNT 1", "ZRANGE d2 0 -1", "GEORADIUS Sicily 15 37 1 m STORE d", "EXISTS d",
		"GEORADIUS nokey 15 37 1 m STORE d2", "EXISTS d2", "GEORADIUS Sicily 15 37 200 km STORE d WITHDIST", "GEORADIUSBYMEMBER Sicily Palermo 300 km STORE d3 STORE d4",
		"EXISTS d3 d4", "GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "ZRANGE d5 0 -1 WITHSCORES", "GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYRADIUS 1 km",
		"EXISTS d5", "GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST", "GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x",
		"GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km", "ZRANGE Sicily 0 -1 WITHSCORES", "GEOSEARCHSTORE d6 nokey FROMLONLAT 1 1 BYRADIUS 1 km",
		"SET notz x", "GEOSEARCHSTORE d6 notz FROMLONLAT 1 1 BYRADIUS 1 km", "GEOSEARCHSTORE notz nokey FROMLONLAT 1 1 BYRADIUS 1 km", "EXISTS notz"},
	{"geo storedist scores", "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
		"GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", "ZRANGE d 0 -1 WITHSCORES", "GEORADIUS g 15 37 200 km STOREDIST d2", "ZSCORE d2 Catania"},
	{"geo in multi", "MULTI", "GEOADD g 1 1 a", "GEOPOS g a", "GEORADIUS g 1 1 1 km STORE d", "EXEC"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"geo options end at nul", `GEOADD g "nx\x00junk" 13.361389 38.115556 Palermo`, `GEOADD g "nxjunk" 1 2 m`, `GEOADD g "n\x00x" 1 2 m`,
		`GEOADD g "ch\x00" 15.087269 37.502669 Catania`, `GEOADD g "xx\x00" "ch\x00" 15 37 Catania`, `GEODIST g Palermo Catania "km\x00x"`, `GEODIST g Palermo Catania "kmx"`,
		`GEOSEARCH g FROMMEMBER Palermo "byradius\x00" 300 "km\x00" "asc\x00" "withdist\x00z" "count\x00" 5`, `GEOSEARCH g FROMMEMBER Palermo BYRADIUS 300 km "ascx"`,
		`GEOSEARCH g "fromlonlat\x00" 15 37 "bybox\x00" 400 400 "km\x00" "withcoord\x00" "withhash\x00" "desc\x00"`,
		`GEORADIUS g 15 37 200 km "store\x00" d`, "ZRANGE d 0 -1", `GEORADIUSBYMEMBER g Palermo 300 km "storedist\x00x" d2`, "ZRANGE d2 0 -1 WITHSCORES",
		`GEOSEARCHSTORE d3 g FROMMEMBER Palermo BYRADIUS 300 km "storedist\x00"`, "ZRANGE d3 0 -1 WITHSCORES", `GEORADIUS g 15 37 200 km "storex" d`},
}

func TestDiffGeo(t *testing.T) { runDiff(t, geoCases) }

// Random points and searches around a few centres (one near a pole, one
// across the antimeridian), compared reply for reply: the cells scanned
// and their order decide the order of unsorted replies, so those are
// compared as they come.
func TestDiffGeoRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	type centre struct{ long, lat, spread float64 }
	centres := []centre{{13.4, 38.1, 2}, {-0.12, 51.5, 0.5}, {179.5, -16.5, 1.5}, {25, 80.5, 3}, {-70.6, -33.4, 8}}
	var cases []diffCase
	for ci, ce := range centres {
		dc := diffCase{fmt.Sprintf("random around centre %d", ci)}
		var add []string
		for i := range 150 {
			long := ce.long + (r.Float64()*2-1)*ce.spread
			lat := ce.lat + (r.Float64()*2-1)*ce.spread
			long = max(-180, min(180, long))
			lat = max(-85, min(85, lat))
			add = append(add, fmt.Sprintf("%.6f %.6f p%d", long, lat, i))
		}
		dc = append(dc, "GEOADD g "+strings.Join(add, " "))
		units := []string{"m", "km", "mi", "ft"}
		for range 25 {
			long := ce.long + (r.Float64()*2-1)*ce.spread
			lat := max(-85, min(85, ce.lat+(r.Float64()*2-1)*ce.spread))
			long = max(-180, min(180, long))
			unit := units[r.IntN(len(units))]
			per := map[string]float64{"m": 1, "km": 1000, "mi": 1609.34, "ft": 0.3048}[unit]
			radius := (1 + r.Float64()*ce.spread*150000) / per
			opts := []string{"", " WITHDIST", " WITHCOORD", " WITHHASH", " WITHDIST WITHCOORD WITHHASH", " ASC WITHDIST", " DESC", " COUNT 5", " COUNT 3 ANY", " COUNT 4 DESC WITHDIST"}
			opt := opts[r.IntN(len(opts))]
			member := fmt.Sprintf("p%d", r.IntN(150))
			dc = append(dc,
				fmt.Sprintf("GEORADIUS g %.6f %.6f %.3f %s%s", long, lat, radius, unit, opt),
				fmt.Sprintf("GEORADIUSBYMEMBER g %s %.3f %s%s", member, radius, unit, opt),
				fmt.Sprintf("GEOSEARCH g FROMLONLAT %.6f %.6f BYBOX %.3f %.3f %s%s", long, lat, radius*2, radius, unit, opt),
				fmt.Sprintf("GEOSEARCH g FROMMEMBER %s BYRADIUS %.3f %s%s", member, radius, unit, opt),
				fmt.Sprintf("GEOSEARCHSTORE dst g FROMLONLAT %.6f %.6f BYRADIUS %.3f %s", long, lat, radius, unit),
				"ZRANGE dst 0 -1 WITHSCORES",
				fmt.Sprintf("GEODIST g %s p%d %s", member, r.IntN(150), unit),
			)
		}
		dc = append(dc, "GEOHASH g p0 p1 p2 p3 p4 p5", "GEOPOS g p0 p1 p2 p3 p4 p5")
		cases = append(cases, dc)
	}
	runDiff(t, cases)
}
