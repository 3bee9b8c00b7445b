package rdb

// Kind is the type of a value.
type Kind uint8

// Value kinds.
const (
	KindString Kind = iota
	KindList
	KindSet
	KindZSet
	KindHash
)

// Value is one key's value. Only the field of its kind is set.
type Value struct {
	Kind  Kind
	Str   []byte      // KindString
	Elems [][]byte    // KindList (in order), KindSet (members)
	Pairs [][2][]byte // KindHash: field, value
	ZSet  []ZMember   // KindZSet
	// Packed says the value was stored in a single-blob encoding (listpack,
	// ziplist or intset). Redis keeps such a value in its compact encoding
	// on load unless it has too many elements, whatever their length.
	Packed bool
}

// ZMember is one sorted-set member.
type ZMember struct {
	Member []byte
	Score  float64
}

// Len is the number of elements (1 for a string).
func (v *Value) Len() int {
	switch v.Kind {
	case KindString:
		return 1
	case KindList, KindSet:
		return len(v.Elems)
	case KindHash:
		return len(v.Pairs)
	default:
		return len(v.ZSet)
	}
}

// Entry is a key with its value and metadata, as stored in a file.
type Entry struct {
	DB       int
	Key      []byte
	Value    Value
	ExpireMs int64 // absolute unix milliseconds; 0 when the key has none
	Idle     int64 // LRU idle seconds; -1 when absent
	Freq     int   // LFU counter; -1 when absent
}

// RDB value type bytes (rdb.h).
const (
	typeString         = 0
	typeList           = 1
	typeSet            = 2
	typeZSet           = 3
	typeHash           = 4
	typeZSet2          = 5
	typeModule         = 6
	typeModule2        = 7
	typeHashZipmap     = 9
	typeListZiplist    = 10
	typeSetIntset      = 11
	typeZSetZiplist    = 12
	typeHashZiplist    = 13
	typeListQuicklist  = 14
	typeStreamLP       = 15
	typeHashListpack   = 16
	typeZSetListpack   = 17
	typeListQuicklist2 = 18
	typeStreamLP2      = 19
	typeSetListpack    = 20 // Redis 7.2; read for good measure
)

// Opcodes (rdb.h).
const (
	opFunction2    = 245
	opFunction     = 246
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMs = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Version is the RDB version written, Redis 7.0's.
const Version = 10
