package server

// Key and channel extraction for the ACL, as Redis 7.0's
// getKeysFromCommandWithSpecs: keys come from the command's key specs
// (server/acl_redis.go), with their access flags, so %R~ and %W~ patterns
// see exactly what Redis sees; commands whose specs are incomplete or whose
// flags depend on the arguments (SET ... GET, BITFIELD, SORT, MIGRATE)
// fall back to Redis's per-command key functions.

// Key spec flags, as COMMAND INFO names them.
const (
	ksRo uint16 = 1 << iota
	ksRw
	ksOw
	ksRm
	ksAccess
	ksUpdate
	ksInsert
	ksDelete
	ksNotKey
	ksIncomplete
	ksVariableFlags
)

// Begin-search and find-keys kinds of a key spec.
const (
	bsIndex uint8 = iota + 1
	bsKeyword
	bsUnknown
)

const (
	fkRange uint8 = iota + 1
	fkKeynum
	fkUnknown
)

// keySpec is one key specification of a command (Redis's keySpec).
type keySpec struct {
	flags uint16

	bs      uint8
	bsPos   int    // index: position; keyword: startfrom
	keyword string // keyword

	fk            uint8
	fk1, fk2, fk3 int // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep
}

// redisCmdSpec is one entry of Redis's command table (acl_redis.go).
type redisCmdSpec struct {
	name  string // full name: "config|get"
	arity int
	flags string
	cats  string
	specs []keySpec
}

// keyRef is a key's position in the arguments and the key spec flags that
// say how the command uses it.
type keyRef struct {
	pos   int
	flags uint16
}

// extractKeys returns the keys of args for cmd with their flags.
func (ac *aclCommand) extractKeys(args [][]byte, dst []keyRef) []keyRef {
	if ac.hasKeySpec && !ac.varFlags {
		if out, ok := keysFromSpecs(ac, args, dst); ok {
			return out
		}
	}
	if ac.getKeys != nil {
		return ac.getKeys(args, dst[:0])
	}
	return dst[:0]
}

// keysFromSpecs follows the command's key specs for the ACL as COMMAND
// GETKEYS does (Redis uses getKeysUsingKeySpecs for both); ok is false when
// a spec cannot be followed (the caller then uses the command's key
// function).
func keysFromSpecs(ac *aclCommand, args [][]byte, dst []keyRef) ([]keyRef, bool) {
	return followKeySpecs(ac.specs, args, dst)
}

// getKeysFuncs are Redis's getkeys_proc functions that matter to the ACL:
// the fallback when a command's specs cannot be followed.
var getKeysFuncs = map[string]func(args [][]byte, dst []keyRef) []keyRef{
	"sintercard":  aclNumkeysKeys(0, 1, 2),
	"zunionstore": aclNumkeysKeys(1, 2, 3),
	"zinterstore": aclNumkeysKeys(1, 2, 3),
	"zdiffstore":  aclNumkeysKeys(1, 2, 3),
	"zunion":      aclNumkeysKeys(0, 1, 2),
	"zinter":      aclNumkeysKeys(0, 1, 2),
	"zdiff":       aclNumkeysKeys(0, 1, 2),
	"zintercard":  aclNumkeysKeys(0, 1, 2),
	"eval":        aclNumkeysKeys(0, 2, 3),
	"eval_ro":     aclNumkeysKeys(0, 2, 3),
	"evalsha":     aclNumkeysKeys(0, 2, 3),
	"evalsha_ro":  aclNumkeysKeys(0, 2, 3),
	"fcall":       aclNumkeysKeys(0, 2, 3),
	"fcall_ro":    aclNumkeysKeys(0, 2, 3),
	"lmpop":       aclNumkeysKeys(0, 1, 2),
	"blmpop":      aclNumkeysKeys(0, 2, 3),
	"zmpop":       aclNumkeysKeys(0, 1, 2),
	"bzmpop":      aclNumkeysKeys(0, 2, 3),
	"sort_ro": func(args [][]byte, dst []keyRef) []keyRef {
		return append(dst, keyRef{1, ksRo | ksAccess})
	},
	"sort":              aclSortKeys,
	"migrate":           aclMigrateKeys,
	"georadius":         aclGeoradiusKeys,
	"georadiusbymember": aclGeoradiusKeys,
	"xread":             aclXreadKeys,
	"xreadgroup":        aclXreadKeys,
	"set":               aclSetKeys,
	"bitfield":          aclBitfieldKeys,
}

// aclNumkeysKeys is Redis's genericGetKeys: an optional store key, a key
// count and that many keys (no flags).
func aclNumkeysKeys(storeOfs, countOfs, firstOfs int) func(args [][]byte, dst []keyRef) []keyRef {
	return func(args [][]byte, dst []keyRef) []keyRef {
		if countOfs >= len(args) {
			return dst
		}
		num := atoi(args[countOfs])
		if num < 1 || num > (len(args)-firstOfs) {
			return dst
		}
		for i := 0; i < num; i++ {
			dst = append(dst, keyRef{firstOfs + i, 0})
		}
		if storeOfs > 0 {
			dst = append(dst, keyRef{storeOfs, 0})
		}
		return dst
	}
}

// atoi parses like C's atoi: leading blanks, a sign, digits, then anything.
func atoi(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	n := int64(0)
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
		if n > 1<<31 {
			n = 1 << 31
		}
	}
	if neg {
		n = -n
	}
	return int(int32(n))
}

func aclSortKeys(args [][]byte, dst []keyRef) []keyRef {
	dst = append(dst, keyRef{1, ksRo | ksAccess})
	store := -1
	skips := []struct {
		name string
		skip int
	}{{"limit", 2}, {"get", 1}, {"by", 1}}
	for i := 2; i < len(args); i++ {
		for _, s := range skips {
			if optIs(args[i], s.name) {
				i += s.skip
				break
			} else if optIs(args[i], "store") && i+1 < len(args) {
				store = i + 1
				break
			}
		}
	}
	if store > 0 {
		dst = append(dst, keyRef{store, ksOw | ksUpdate})
	}
	return dst
}

func aclMigrateKeys(args [][]byte, dst []keyRef) []keyRef {
	first, num := 3, 1
	if len(args) > 6 {
	scan:
		for i := 6; i < len(args); i++ {
			switch {
			case optIs(args[i], "keys"):
				if len(args[3]) > 0 {
					num = 0
				} else {
					first = i + 1
					num = len(args) - first
				}
				break scan
			case optIs(args[i], "auth"):
				i++
			case optIs(args[i], "auth2"):
				i += 2
			}
		}
	}
	for i := 0; i < num; i++ {
		dst = append(dst, keyRef{first + i, ksRw | ksAccess | ksDelete})
	}
	return dst
}

func aclGeoradiusKeys(args [][]byte, dst []keyRef) []keyRef {
	stored := -1
	for i := 5; i < len(args); i++ {
		if (optIs(args[i], "store") || optIs(args[i], "storedist")) && i+1 < len(args) {
			stored = i + 1
			i++
		}
	}
	dst = append(dst, keyRef{1, 0})
	if stored > 0 {
		dst = append(dst, keyRef{stored, 0})
	}
	return dst
}

func aclXreadKeys(args [][]byte, dst []keyRef) []keyRef {
	streams := -1
scan:
	for i := 1; i < len(args); i++ {
		switch {
		case optIs(args[i], "block"), optIs(args[i], "count"):
			i++
		case optIs(args[i], "group"):
			i += 2
		case optIs(args[i], "noack"):
		case optIs(args[i], "streams"):
			streams = i
			break scan
		default:
			break scan
		}
	}
	if streams < 0 {
		return dst
	}
	num := len(args) - streams - 1
	if num == 0 || num%2 != 0 {
		return dst
	}
	num /= 2
	for i := streams + 1; i < len(args)-num; i++ {
		dst = append(dst, keyRef{i, 0})
	}
	return dst
}

func aclSetKeys(args [][]byte, dst []keyRef) []keyRef {
	for i := 3; i < len(args); i++ {
		// Redis compares the first three bytes and a terminator, so "get"
		// followed by a NUL byte counts as GET too.
		a := cstr(args[i])
		if len(a) == 3 && optIs(a, "get") {
			return append(dst, keyRef{1, ksRw | ksAccess | ksUpdate})
		}
	}
	return append(dst, keyRef{1, ksOw | ksUpdate})
}

func aclBitfieldKeys(args [][]byte, dst []keyRef) []keyRef {
	readonly := true
	for i := 2; i < len(args); i++ {
		rem := len(args) - i - 1
		switch {
		case optIs(args[i], "get") && rem >= 2:
			i += 2
		case (optIs(args[i], "set") || optIs(args[i], "incrby")) && rem >= 3:
			readonly = false
			i = len(args)
		case optIs(args[i], "overflow") && rem >= 1:
			i++
		default:
			readonly = false
			i = len(args)
		}
	}
	if readonly {
		return append(dst, keyRef{1, ksRo | ksAccess})
	}
	return append(dst, keyRef{1, ksRw | ksAccess | ksUpdate})
}

// Channel argument kinds, as Redis's CMD_CHANNEL_* flags.
const (
	chanPattern uint8 = 1 << iota
	chanPublish
	chanSubscribe
	chanUnsubscribe
)

// channelSpec says which arguments of a Pub/Sub command are channels
// (Redis's commands_with_channels table).
type channelSpec struct {
	flags uint8
	start int
	count int // -1: every remaining argument
}

var channelSpecs = map[string]channelSpec{
	"subscribe":    {chanSubscribe, 1, -1},
	"ssubscribe":   {chanSubscribe, 1, -1},
	"unsubscribe":  {chanUnsubscribe, 1, -1},
	"sunsubscribe": {chanUnsubscribe, 1, -1},
	"psubscribe":   {chanPattern | chanSubscribe, 1, -1},
	"punsubscribe": {chanPattern | chanUnsubscribe, 1, -1},
	"publish":      {chanPublish, 1, 1},
	"spublish":     {chanPublish, 1, 1},
}
