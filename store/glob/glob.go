// Package glob matches strings against Redis's glob-style patterns (KEYS,
// SCAN MATCH, CONFIG GET, PSUBSCRIBE, ACL key patterns).
//
// The rules are Redis's stringmatchlen, edge cases included: '*', '?',
// '[abc]', '[^a-z]' (reversed ranges allowed), '\' escapes, an unclosed '['
// that matches nothing. Bytes compare as C's signed char, as on Redis's usual
// platforms. Like Redis since 7.0, a failed '*' stops every earlier '*' from
// trying longer matches, so no pattern takes exponential time.
package glob

// Match reports whether str matches pattern.
func Match(pattern, str []byte) bool {
	skip := false
	return match(pattern, str, false, &skip)
}

// MatchString is Match for strings.
func MatchString(pattern, str string) bool {
	return Match([]byte(pattern), []byte(str))
}

// MatchFold is Match ignoring ASCII case.
func MatchFold(pattern, str []byte) bool {
	skip := false
	return match(pattern, str, true, &skip)
}

// at reads p[i], or 0 past the end (C strings are NUL terminated).
func at(p []byte, i int) byte {
	if i < len(p) {
		return p[i]
	}
	return 0
}

func lower(c int) int {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func eq(a, b byte, fold bool) bool {
	if fold {
		return lower(int(a)) == lower(int(b))
	}
	return a == b
}

func match(p, s []byte, fold bool, skipLonger *bool) bool {
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && at(p, 1) == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(p[1:], s, fold, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := at(p, 0) == '^'
			if not {
				p = p[1:]
			}
			matched := false
			// i walks the class; the pattern is consumed up to the ']'.
			for {
				if at(p, 0) == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						matched = true
					}
				} else if at(p, 0) == ']' {
					break
				} else if len(p) == 0 {
					// Unclosed class: step back so the loop below ends.
					p = append([]byte{0}, p...)
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end, c := int(int8(p[0])), int(int8(p[2])), int(int8(s[0]))
					if start > end {
						start, end = end, start
					}
					if fold {
						start, end, c = lower(start), lower(end), lower(c)
					}
					p = p[2:]
					if c >= start && c <= end {
						matched = true
					}
				} else if eq(p[0], s[0], fold) {
					matched = true
				}
				p = p[1:]
			}
			if not {
				matched = !matched
			}
			if !matched {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !eq(p[0], s[0], fold) {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
