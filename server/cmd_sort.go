package server

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/ember-kv/ember/store"
)

// SORT and SORT_RO (sort.c).

func sortCommands() []*Command {
	complexity := "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."
	return []*Command{
		// BY and GET read keys named by the data, so every shard is locked.
		{Name: "sort", Arity: -2, Flags: "write denyoom", ACL: "@set @sortedset @list @dangerous", FirstKey: 1, LastKey: 1, Step: 1, Keys: sortKeys,
			Lock: LockAll, Group: "generic", Since: "1.0.0",
			Summary: "Sort the elements in a list, set or sorted set", Complexity: complexity, Handler: cmdSort},
		{Name: "sort_ro", Arity: -2, Flags: "readonly", ACL: "@set @sortedset @list @dangerous", FirstKey: 1, LastKey: 1, Step: 1, Keys: sortROKeys,
			Lock: LockAll, Group: "generic", Since: "7.0.0",
			Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Complexity: complexity, Handler: cmdSortRO},
	}
}

// sortKeys finds SORT's keys as Redis's sortGetKeys does: the sorted key and
// the last STORE destination, skipping the arguments of LIMIT, GET and BY.
func sortKeys(args [][]byte, dst []int) []int {
	dst = append(dst, 1)
	store := -1
	for i := 2; i < len(args); i++ {
		switch {
		case optIs(args[i], "limit"):
			i += 2
		case optIs(args[i], "get"), optIs(args[i], "by"):
			i++
		case optIs(args[i], "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		dst = append(dst, store)
	}
	return dst
}

// sortROKeys: SORT_RO only reads the sorted key.
func sortROKeys(args [][]byte, dst []int) []int { return append(dst, 1) }

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
// [ASC | DESC] [ALPHA] [STORE destination]
func cmdSort(c *Client, args [][]byte) { sortGeneric(c, args, false) }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
// [ASC | DESC] [ALPHA]
func cmdSortRO(c *Client, args [][]byte) { sortGeneric(c, args, true) }

// sortItem is one element being sorted with its weight.
type sortItem struct {
	obj    []byte
	score  float64
	cmp    []byte // BY value for ALPHA, when found
	hasCmp bool
}

type sortOptions struct {
	desc, alpha, byPattern, store bool
}

func sortGeneric(c *Client, args [][]byte, readonly bool) {
	var (
		o                   sortOptions
		limitStart          int64
		limitCount          int64 = -1
		dontsort            bool
		sortby, storekey    []byte
		hasSortby, hasStore bool
		gets                [][]byte
	)
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case optIs(a, "asc"):
			o.desc = false
		case optIs(a, "desc"):
			o.desc = true
		case optIs(a, "alpha"):
			o.alpha = true
		case optIs(a, "limit") && left >= 2:
			var ok bool
			if limitStart, ok = store.ParseInt(args[j+1]); ok {
				limitCount, ok = store.ParseInt(args[j+2])
			}
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			j += 2
		case !readonly && optIs(a, "store") && left >= 1:
			storekey, hasStore = args[j+1], true
			j++
		case optIs(a, "by") && left >= 1:
			sortby, hasSortby = args[j+1], true
			// A pattern without '*' names one key for every element:
			// nothing to sort by.
			if bytes.IndexByte(cstr(sortby), '*') < 0 {
				dontsort = true
			} else if !c.aclFullKeyAccess(c.cmd, args, true) {
				c.Error("ERR BY option of SORT denied due to insufficient ACL permissions.")
				return
			}
			j++
		case optIs(a, "get") && left >= 1:
			if !c.aclFullKeyAccess(c.cmd, args, true) {
				c.Error("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return
			}
			gets = append(gets, args[j+1])
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}

	tx := c.tx
	typ, elems, err := tx.SortElements(args[1])
	if err != nil {
		c.errStore(err)
		return
	}
	// An unsorted set would come out in hash order: STORE gets a
	// deterministic (alphabetical) result instead, as Redis does.
	if dontsort && typ == store.TypeSet && hasStore {
		dontsort, o.alpha, hasSortby, sortby = false, true, false, nil
	}

	n := int64(len(elems))
	start := min(max(limitStart, 0), n)
	limitCount = min(max(limitCount, -1), n)
	end := n - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}

	items := make([]sortItem, len(elems))
	for i, e := range elems {
		items[i].obj = e
	}
	if dontsort && (typ == store.TypeList || typ == store.TypeZSet) && o.desc {
		// Lists and sorted sets keep their own order, read from the tail.
		slices.Reverse(items)
	}

	convErr := false
	if !dontsort {
		o.byPattern, o.store = hasSortby, hasStore
		for i := range items {
			it := &items[i]
			byval := it.obj
			if hasSortby {
				v, ok := sortLookup(tx, sortby, it.obj)
				if !ok {
					continue
				}
				byval = v
			}
			if o.alpha {
				if hasSortby {
					it.cmp, it.hasCmp = slices.Clone(byval), true
				}
				continue
			}
			score, ok := parseSortScore(byval)
			if !ok {
				convErr = true
			}
			it.score = score
		}
		cmp := func(a, b *sortItem) int { return sortCompare(&o, a, b) }
		if hasSortby && (start != 0 || end != n-1) {
			partialSort(items, int(start), int(end), cmp)
		} else {
			slices.SortStableFunc(items, func(a, b sortItem) int { return cmp(&a, &b) })
		}
	}

	count := end - start + 1
	var sel []sortItem
	if count > 0 {
		sel = items[start : end+1]
	}
	outputlen := count
	if len(gets) > 0 {
		outputlen = int64(len(gets)) * count
	}
	switch {
	case convErr:
		c.Error(errSortScore)
	case !hasStore:
		c.w.Array(int(outputlen))
		for _, it := range sel {
			if len(gets) == 0 {
				c.w.Bulk(it.obj)
			}
			for _, g := range gets {
				if v, ok := sortLookup(tx, g, it.obj); ok {
					c.w.Bulk(v)
				} else {
					c.w.Null()
				}
			}
		}
	default:
		out := make([][]byte, 0, outputlen)
		for _, it := range sel {
			if len(gets) == 0 {
				out = append(out, it.obj)
			}
			for _, g := range gets {
				v, _ := sortLookup(tx, g, it.obj)
				out = append(out, slices.Clone(v))
			}
		}
		deleted, err := tx.SortStore(storekey, out)
		if err != nil {
			c.errStore(err)
			return
		}
		if outputlen > 0 {
			c.modified(storekey, evList, "sortstore")
			c.tx.Dirty += int(outputlen) - 1
		} else if deleted {
			c.modified(storekey, evGeneric, "del")
		}
		c.w.Int(outputlen)
	}
}

// sortCompare orders two items as Redis's sortCompare: by score with ties
// broken by the elements' bytes; ALPHA by the BY values (missing first) or
// the elements, compared as C strings (strcoll in the C locale) except under
// STORE, which compares whole binary strings.
func sortCompare(o *sortOptions, a, b *sortItem) int {
	var cmp int
	switch {
	case !o.alpha:
		switch {
		case a.score > b.score:
			cmp = 1
		case a.score < b.score:
			cmp = -1
		default:
			cmp = bytes.Compare(a.obj, b.obj)
		}
	case o.byPattern:
		switch {
		case !a.hasCmp || !b.hasCmp:
			switch {
			case a.hasCmp == b.hasCmp:
				cmp = 0
			case !a.hasCmp:
				cmp = -1
			default:
				cmp = 1
			}
		case o.store:
			cmp = bytes.Compare(a.cmp, b.cmp)
		default:
			cmp = bytes.Compare(cstr(a.cmp), cstr(b.cmp))
		}
	case o.store:
		cmp = bytes.Compare(a.obj, b.obj)
	default:
		cmp = bytes.Compare(cstr(a.obj), cstr(b.obj))
	}
	if o.desc {
		return -cmp
	}
	return cmp
}

// sortLookup resolves a BY or GET pattern for one element, as Redis's
// lookupKeyByPattern: "#" is the element itself; otherwise the first '*'
// is replaced by the element and, when "->field" follows it, the field of
// that hash is read instead of a string. A pattern without '*' names
// nothing. The result aliases store memory until the next lookup.
func sortLookup(tx *store.Tx, pattern, elem []byte) ([]byte, bool) {
	cpat := cstr(pattern) // Redis searches the pattern as a C string
	if len(cpat) == 1 && cpat[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	keyEnd := len(pattern)
	if f := bytes.Index(cpat[star+1:], []byte("->")); f >= 0 {
		f += star + 1
		if f+2 < len(cpat) {
			field = pattern[f+2:]
			keyEnd = f
		}
	}
	key := make([]byte, 0, star+len(elem)+keyEnd-star-1)
	key = append(key, pattern[:star]...)
	key = append(key, elem...)
	key = append(key, pattern[star+1:keyEnd]...)
	return tx.SortLookup(key, field, field != nil)
}

// parseSortScore reads a weight as Redis's SORT does with strtod: leading
// white space, an optional sign, a decimal or hexadecimal number or
// inf/infinity, and nothing after (up to a NUL, where C stops reading). NaN,
// overflow and underflow (ERANGE) are errors; the empty string is 0.
func parseSortScore(b []byte) (float64, bool) {
	b = cstr(b)
	i := 0
	for i < len(b) && strtodSpace(b[i]) {
		i++
	}
	numStart := i
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	neg := numStart < len(b) && b[numStart] == '-'
	rest := b[i:]
	switch {
	case strtodHasWord(rest, "infinity"):
		return strtodInf(neg), i+8 == len(b)
	case strtodHasWord(rest, "inf"):
		return strtodInf(neg), i+3 == len(b)
	case strtodHasWord(rest, "nan"):
		return math.NaN(), false
	}
	if len(rest) > 2 && rest[0] == '0' && (rest[1]|0x20) == 'x' && strtodHexStart(rest[2:]) {
		return parseHexScore(b[numStart:], i+2-numStart)
	}
	j, digits := i, 0
	for j < len(b) && strtodDigit(b[j]) {
		j, digits = j+1, digits+1
	}
	if j < len(b) && b[j] == '.' {
		j++
		for j < len(b) && strtodDigit(b[j]) {
			j, digits = j+1, digits+1
		}
	}
	if digits == 0 {
		// No conversion: strtod points back at the very start.
		return 0, len(b) == 0
	}
	j = strtodExponent(b, j, 'e')
	if j != len(b) {
		return 0, false
	}
	text := string(b[numStart:j])
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, false
	}
	if strtodTiny(f) && strtodNonZero(b[i:j]) {
		return 0, false // underflow: ERANGE
	}
	return f, true
}

func strtodSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }
func strtodDigit(c byte) bool { return c >= '0' && c <= '9' }
func strtodHex(c byte) bool {
	return strtodDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func strtodInf(neg bool) float64 {
	if neg {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func strtodHasWord(b []byte, lower string) bool {
	return len(b) >= len(lower) && bytes.EqualFold(b[:len(lower)], []byte(lower))
}

// strtodHexStart reports whether a hexadecimal mantissa starts here (strtod
// otherwise reads just the "0" of "0x").
func strtodHexStart(b []byte) bool {
	return len(b) > 0 && (strtodHex(b[0]) || (b[0] == '.' && len(b) > 1 && strtodHex(b[1])))
}

// strtodExponent consumes an exponent marked by letter when digits follow.
func strtodExponent(b []byte, j int, letter byte) int {
	if j >= len(b) || b[j]|0x20 != letter {
		return j
	}
	k := j + 1
	if k < len(b) && (b[k] == '+' || b[k] == '-') {
		k++
	}
	if k >= len(b) || !strtodDigit(b[k]) {
		return j
	}
	for k < len(b) && strtodDigit(b[k]) {
		k++
	}
	return k
}

// parseHexScore parses a hexadecimal float; num starts at the sign and the
// mantissa at mant.
func parseHexScore(num []byte, mant int) (float64, bool) {
	j := mant
	for j < len(num) && strtodHex(num[j]) {
		j++
	}
	if j < len(num) && num[j] == '.' {
		j++
		for j < len(num) && strtodHex(num[j]) {
			j++
		}
	}
	mantEnd := j
	j = strtodExponent(num, j, 'p')
	if j != len(num) {
		return 0, false
	}
	text := string(num[:mantEnd])
	if mantEnd == j {
		text += "p0" // Go requires the binary exponent
	} else {
		text += string(num[mantEnd:j])
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, false
	}
	if strtodTiny(f) && strtodNonZero(num[mant:mantEnd]) {
		// ERANGE unless the value is exactly representable.
		prec := uint(4*(mantEnd-mant) + 64)
		exact, _, perr := big.ParseFloat(text, 0, prec, big.ToNearestEven)
		if perr != nil {
			return 0, false
		}
		if _, acc := exact.Float64(); acc != big.Exact {
			return 0, false
		}
	}
	return f, true
}

// strtodTiny reports a zero or subnormal result.
func strtodTiny(f float64) bool { return math.Abs(f) < 0x1p-1022 }

func strtodNonZero(b []byte) bool {
	for _, c := range b {
		if c == 'e' || c == 'E' || c == 'p' || c == 'P' {
			return false
		}
		if strtodHex(c) && c != '0' {
			return true
		}
	}
	return false
}

// partialSort orders items so that positions lo..hi hold what a full sort
// would put there, with Redis's pqsort (Bentley-McIlroy quicksort that skips
// partitions outside the range). Ties between equal items land where
// Redis's own algorithm puts them, which SORT ... BY ... ALPHA LIMIT shows.
func partialSort(items []sortItem, lo, hi int, cmp func(a, b *sortItem) int) {
	pqsort(items, 0, len(items), lo, hi, cmp)
}

func pqsort(v []sortItem, base, n, lrange, rrange int, cmp func(a, b *sortItem) int) {
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i, j = i+1, j+1
		}
	}
	med3 := func(a, b, c int) int {
		if cmp(&v[a], &v[b]) < 0 {
			if cmp(&v[b], &v[c]) < 0 {
				return b
			}
			if cmp(&v[a], &v[c]) < 0 {
				return c
			}
			return a
		}
		if cmp(&v[b], &v[c]) > 0 {
			return b
		}
		if cmp(&v[a], &v[c]) < 0 {
			return a
		}
		return c
	}
	for {
		a := base
		if n < 7 {
			for pm := a + 1; pm < a+n; pm++ {
				for pl := pm; pl > a && cmp(&v[pl-1], &v[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(a, pm)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := cmp(&v[pb], &v[a])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&v[pc], &v[a])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		outside := func(l, h int) bool {
			return (lrange < l && rrange < l) || (lrange > h && rrange > h)
		}
		if r = pb - pa; r > 1 && !outside(a, a+r-1) {
			pqsort(v, a, r, lrange, rrange, cmp)
		}
		if r = pd - pc; r > 1 {
			base, n = pn-r, r
			if !outside(base, base+n-1) {
				continue
			}
		}
		return
	}
}
