package server

import "strings"

// Describing users as rules (ACL LIST, ACL GETUSER, ACL SAVE, CONFIG
// REWRITE), with Redis 7.0's algorithm: start from +@all or -@all, add the
// categories that best fit the command bitmap, then fix the rest command by
// command. Redis walks its command dictionary in hash order (which differs
// from run to run); Ember walks it by name, so the same rules are listed,
// with the single-command rules in a stable order.

// describeUser renders a user's rules as ACL LIST prints them after the
// user name.
func (a *aclState) describeUser(r *userRules) string {
	var b strings.Builder
	for i, n := range userFlagNames {
		if r.flags&(1<<i) != 0 {
			b.WriteString(n)
			b.WriteByte(' ')
		}
	}
	for _, p := range r.passwords {
		b.WriteByte('#')
		b.WriteString(p)
		b.WriteByte(' ')
	}
	for i, s := range r.selectors {
		if i == 0 {
			b.WriteString(a.describeSelector(s))
		} else {
			b.WriteString(" (")
			b.WriteString(a.describeSelector(s))
			b.WriteString(")")
		}
	}
	return b.String()
}

func (p keyPattern) String() string {
	switch p.flags {
	case keyRead:
		return "%R~" + p.pattern
	case keyWrite:
		return "%W~" + p.pattern
	}
	return "~" + p.pattern
}

// describeSelector is Redis's ACLDescribeSelector.
func (a *aclState) describeSelector(s *aclSelector) string {
	var b strings.Builder
	if s.flags&selAllKeys != 0 {
		b.WriteString("~* ")
	} else {
		for _, p := range s.keys {
			b.WriteString(p.String())
			b.WriteByte(' ')
		}
	}
	if s.flags&selAllChannels != 0 {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteByte('&')
			b.WriteString(c)
			b.WriteByte(' ')
		}
	}
	b.WriteString(a.describeCommands(s))
	return b.String()
}

// keysString is the "keys" field of ACL GETUSER.
func (s *aclSelector) keysString() string {
	if s.flags&selAllKeys != 0 {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, p := range s.keys {
		parts[i] = p.String()
	}
	return strings.Join(parts, " ")
}

// channelsString is the "channels" field of ACL GETUSER.
func (s *aclSelector) channelsString() string {
	if s.flags&selAllChannels != 0 {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// countCategory counts the commands of a category the selector allows
// (on) and denies (off), subcommands included.
func (a *aclState) countCategory(s *aclSelector, cat Category) (on, off int) {
	var walk func(list []*aclCommand)
	walk = func(list []*aclCommand) {
		for _, ac := range list {
			if ac.cats&cat != 0 {
				if s.bit(ac.id) {
					on++
				} else {
					off++
				}
			}
			walk(ac.subs)
		}
	}
	walk(a.u.top)
	return on, off
}

// describeCommands is Redis's ACLDescribeSelectorCommandRules.
func (a *aclState) describeCommands(s *aclSelector) string {
	var b strings.Builder
	fake := newSelector(a.u, 0)
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
		fake.setAll(false)
	} else {
		b.WriteString("+@all ")
		fake.setAll(true)
	}
	temp := newSelector(a.u, 0)
	copy(temp.bits, s.bits)
	applied := make([]bool, len(CategoryNames))
	for {
		best, minDiff, maxSame := -1, int(^uint(0)>>1), 0
		for j := range CategoryNames {
			if applied[j] {
				continue
			}
			on, off := a.countCategory(temp, 1<<j)
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < minDiff || (diff == minDiff && same > maxSame)) {
				best, minDiff, maxSame = j, diff, same
			}
		}
		if best < 0 {
			break
		}
		cat := Category(1) << best
		fake.setCategory(a.u, cat, additive)
		temp.setCategory(a.u, cat, !additive)
		if additive {
			b.WriteString("+@")
		} else {
			b.WriteString("-@")
		}
		b.WriteString(CategoryNames[best])
		b.WriteByte(' ')
		applied[best] = true
	}
	var single func(list []*aclCommand)
	single = func(list []*aclCommand) {
		for _, ac := range list {
			userBit, fakeBit := s.bit(ac.id), fake.bit(ac.id)
			if userBit != fakeBit {
				if userBit {
					b.WriteByte('+')
				} else {
					b.WriteByte('-')
				}
				b.WriteString(ac.name)
				b.WriteByte(' ')
				fake.changePerm(ac, userBit)
			}
			single(ac.subs)
			if !userBit {
				for _, arg := range s.firstArgs[ac.id] {
					b.WriteByte('+')
					b.WriteString(ac.name)
					b.WriteByte('|')
					b.WriteString(arg)
					b.WriteByte(' ')
				}
			}
		}
	}
	single(a.u.top)
	out := b.String()
	return out[:len(out)-1]
}
