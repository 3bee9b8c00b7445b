package store

// LCSMatch is one range LCS IDX reports: a[AStart..AEnd] matches
// b[BStart..BEnd] (inclusive), Len bytes long.
type LCSMatch struct {
	AStart, AEnd, BStart, BEnd, Len int
}

// LCSTableBytes is the memory Redis reserves for the LCS table of strings
// of lengths alen and blen, which it compares with proto-max-bulk-len.
func LCSTableBytes(alen, blen int) uint64 {
	return uint64(alen+1) * uint64(blen+1) * 4
}

// LCS computes the longest common subsequence of a and b with Redis's
// dynamic programming table and walks it back from the end exactly as
// Redis does, so ties resolve the same way. It returns the length and,
// when walk is set, the subsequence and the matching ranges (last first)
// at least minLen long (all when minLen is 0).
func LCS(a, b []byte, walk bool, minLen int) (n int, seq []byte, matches []LCSMatch) {
	// Cell values never exceed the shorter length, so a narrower table
	// does for most inputs; the walk is the same.
	if min(len(a), len(b)) < 1<<16-1 {
		return lcs[uint16](a, b, walk, minLen)
	}
	return lcs[uint32](a, b, walk, minLen)
}

func lcs[T uint16 | uint32](a, b []byte, walk bool, minLen int) (int, []byte, []LCSMatch) {
	alen, blen := len(a), len(b)
	w := blen + 1
	t := make([]T, (alen+1)*w)
	// t[i*w+j] is the LCS length of a[:i] and b[:j]; row and column 0 are 0.
	for i := 1; i <= alen; i++ {
		row, prev := t[i*w:(i+1)*w], t[(i-1)*w:i*w]
		ai := a[i-1]
		for j := 1; j <= blen; j++ {
			switch {
			case ai == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	total := int(t[alen*w+blen])
	if !walk {
		return total, nil, nil
	}
	seq := make([]byte, total)
	var matches []LCSMatch
	idx := total
	// aStart == alen means no range is open.
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			seq[idx-1] = a[i-1]
			switch {
			case aStart == alen:
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			case aStart == i && bStart == j:
				aStart--
				bStart--
			default:
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if t[(i-1)*w+j] > t[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			l := aEnd - aStart + 1
			if minLen == 0 || l >= minLen {
				matches = append(matches, LCSMatch{aStart, aEnd, bStart, bEnd, l})
			}
			aStart = alen
		}
	}
	return total, seq, matches
}
