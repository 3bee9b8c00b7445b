package server

// splitInline splits an inline command line into arguments exactly as
// Redis's sdssplitargs does: blanks separate arguments; "double quotes"
// understand \n \r \t \b \a \xHH and \<any>; 'single quotes' understand \';
// a closing quote must be followed by a blank or the end of the line. A NUL
// byte ends the line, as it does for Redis's C string. The arguments are
// appended to scratch (which is returned grown) and sliced from it; ok is
// false for unbalanced quotes.
func splitInline(line []byte, scratch []byte, args [][]byte) (_ []byte, _ [][]byte, ok bool) {
	scratch = scratch[:0]
	args = args[:0]
	// Offsets into scratch, turned into slices at the end: scratch may move
	// while it grows.
	var bounds [64][2]int
	spans := bounds[:0]
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	p := 0
	for {
		for at(p) != 0 && isSpace(at(p)) {
			p++
		}
		if at(p) == 0 {
			break
		}
		start := len(scratch)
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					scratch = append(scratch, hexVal(at(p+2))<<4|hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := at(p); e {
					case 'n':
						scratch = append(scratch, '\n')
					case 'r':
						scratch = append(scratch, '\r')
					case 't':
						scratch = append(scratch, '\t')
					case 'b':
						scratch = append(scratch, '\b')
					case 'a':
						scratch = append(scratch, '\a')
					default:
						scratch = append(scratch, e)
					}
				case c == '"':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return scratch, args, false
					}
					done = true
				case c == 0:
					return scratch, args, false
				default:
					scratch = append(scratch, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					scratch = append(scratch, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isSpace(n) {
						return scratch, args, false
					}
					done = true
				case c == 0:
					return scratch, args, false
				default:
					scratch = append(scratch, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					scratch = append(scratch, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		spans = append(spans, [2]int{start, len(scratch)})
	}
	for _, s := range spans {
		args = append(args, scratch[s[0]:s[1]:s[1]])
	}
	return scratch, args, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
