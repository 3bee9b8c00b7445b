package server

import (
	"errors"

	"github.com/ember-kv/ember/store"
)

// Redis's error replies, byte for byte. Keep every error text the server
// sends here so they can be checked against Redis in one place.
const (
	ErrSyntax          = "ERR syntax error"
	ErrWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInteger      = "ERR value is not an integer or out of range"
	ErrNotFloat        = "ERR value is not a valid float"
	ErrNoSuchKey       = "ERR no such key"
	ErrSameObject      = "ERR source and destination objects are the same"
	ErrOutOfRange      = "ERR index out of range"
	ErrOverflow        = "ERR increment or decrement would overflow"
	ErrIncrNaN         = "ERR increment would produce NaN or Infinity"
	ErrDBIndex         = "ERR DB index is out of range"
	ErrStringTooLong   = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrNoAuth          = "NOAUTH Authentication required."
	ErrWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	ErrOOM             = "OOM command not allowed when used memory > 'maxmemory'."
	ErrExecAbort       = "EXECABORT Transaction discarded because of previous errors."
	ErrBusyKey         = "BUSYKEY Target key name already exists."
	ErrInvalidExpire   = "ERR invalid expire time in '%s' command"
	ErrInvalidCursor   = "ERR invalid cursor"
	ErrNoMulti         = "ERR Command not allowed inside a transaction"
	ErrTimeoutNegative = "ERR timeout is negative"
	ErrTimeoutInvalid  = "ERR timeout is not a float or out of range"
	ErrNotPositive     = "ERR value is out of range, must be positive"
	ErrInternal        = "ERR internal error while running the command"
	ErrAuthNoPassword  = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	ErrSubscribedRESP2 = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	ErrMaxClients      = "ERR max number of clients reached"
	ErrProtoVersion    = "NOPROTO unsupported protocol version"
)

// Protocol errors: the connection is closed after sending one of these.
const (
	errProtoInlineTooBig   = "ERR Protocol error: too big inline request"
	errProtoUnbalanced     = "ERR Protocol error: unbalanced quotes in request"
	errProtoMbulkTooBig    = "ERR Protocol error: too big mbulk count string"
	errProtoBulkTooBig     = "ERR Protocol error: too big bulk count string"
	errProtoMultibulkLen   = "ERR Protocol error: invalid multibulk length"
	errProtoBulkLen        = "ERR Protocol error: invalid bulk length"
	errProtoUnauthMbulk    = "ERR Protocol error: unauthenticated multibulk length"
	errProtoUnauthBulk     = "ERR Protocol error: unauthenticated bulk length"
	errProtoExpectedDollar = "ERR Protocol error: expected '$', got '" // + the byte and a quote
)

// COMMAND (introspection).
const (
	errCommandInvalid      = "ERR Invalid command specified"
	errCommandNoKeys       = "ERR The command has no key arguments"
	errCommandGetKeysArity = "ERR Invalid number of arguments specified for command"
	errCommandGetKeysArgs  = "ERR Invalid arguments specified for command"
)

// storeError maps a store error to Redis's reply text.
func storeError(err error) string {
	switch {
	case errors.Is(err, store.ErrWrongType):
		return ErrWrongType
	case errors.Is(err, store.ErrNotInteger):
		return ErrNotInteger
	case errors.Is(err, store.ErrNotFloat):
		return ErrNotFloat
	case errors.Is(err, store.ErrOverflow):
		return ErrOverflow
	case errors.Is(err, store.ErrNoSuchKey):
		return ErrNoSuchKey
	case errors.Is(err, store.ErrSameObject):
		return ErrSameObject
	case errors.Is(err, store.ErrTooLarge):
		return ErrStringTooLong
	case errors.Is(err, store.ErrNaN):
		return ErrIncrNaN
	case errors.Is(err, store.ErrOutOfRange):
		return ErrOutOfRange
	case errors.Is(err, store.ErrDBIndex):
		return ErrDBIndex
	}
	return "ERR " + err.Error()
}

// Per-family errors. Each family appends its constants to its own block so
// that parallel work merges cleanly.

// Strings and bitmaps.
const (
	ErrOffsetRange      = "ERR offset is out of range"
	ErrDecrOverflow     = "ERR decrement would overflow"
	ErrLCSNotStrings    = "ERR The specified keys must contain string values"
	ErrLCSLenAndIdx     = "ERR If you want both the length and indexes, please just use IDX."
	ErrLCSTooLong       = "ERR String too long for LCS"
	ErrLCSMemory        = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
	ErrBitOffset        = "ERR bit offset is not an integer or out of range"
	ErrBitValue         = "ERR bit is not an integer or out of range"
	ErrBitArg           = "ERR The bit argument must be 1 or 0."
	ErrBitOpNot         = "ERR BITOP NOT must be called with a single source key."
	ErrBitfieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	ErrBitfieldOverflow = "ERR Invalid OVERFLOW type specified"
	ErrBitfieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"
)

// Keyspace and expiry.
const (
	ErrInt32Range    = "ERR value is out of range, value must between -2147483648 and 2147483647"
	ErrSwapFirstDB   = "ERR invalid first DB index"
	ErrSwapSecondDB  = "ERR invalid second DB index"
	ErrIdleTimeLFU   = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrFreqNotLFU    = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	ErrExpireNXOther = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrExpireGTLT    = "ERR GT and LT options at the same time are not compatible"
)

// Server, CONFIG, INFO, CLIENT, COMMAND.
const (
	errDebugNotAllowed   = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	errShutdownFailed    = "ERR Errors trying to SHUTDOWN. Check logs."
	errNoShutdown        = "ERR No shutdown in progress."
	errShutdownDenyBlock = "ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client"
	errClientUnblockWhy  = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	errClientNoSuch      = "ERR No such client"
	errClientBadID       = "ERR Invalid client ID"
	errClientIDRange     = "ERR client-id should be greater than 0"
)

// Lists and blocking commands.
const ()

// Hashes.
const (
	ErrHashNotInteger    = "ERR hash value is not an integer"
	ErrHashNotFloat      = "ERR hash value is not a float"
	ErrHashNaNOrInfinity = "ERR value is NaN or Infinity"
	ErrHashRandRange     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	ErrHashValueRange    = "ERR value is out of range"
)

// Sets.
const (
	errSRandRange      = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errNumkeysPositive = "ERR numkeys should be greater than 0"
	errNumkeysTooMany  = "ERR Number of keys can't be greater than number of args"
	errLimitNegative   = "ERR LIMIT can't be negative"
)

// Sorted sets.
const (
	errZAddXXNX       = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX     = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncrPairs  = "ERR INCR option supports a single increment-element pair"
	errZScoreRange    = "ERR min or max is not a float"
	errZLexRange      = "ERR min or max not valid string range item"
	errZLimitRank     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZWithscoresLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeight        = "ERR weight value is not a float"
	errZLimitNegative = "ERR LIMIT can't be negative"
	errZNumkeys       = "ERR numkeys should be greater than 0"
	errZCount         = "ERR count should be greater than 0"
	errZRandRange     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errZRandWithScore = "ERR value is out of range"
)

// SORT.
const (
	errSortScore = "ERR One or more scores can't be converted into double"
)

// RDB persistence errors (rdb.c, server.c).
const (
	ErrBgsaveInProgress = "ERR Background save already in progress"
	ErrBgsaveChild      = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
	ErrMisconf          = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	ErrDumpPayload      = "ERR DUMP payload version or checksum are wrong"
	ErrBadDataFormat    = "ERR Bad data format"
	ErrInvalidTTL       = "ERR Invalid TTL value, must be >= 0"
	ErrInvalidIdleTime  = "ERR Invalid IDLETIME value, must be >= 0"
	ErrInvalidFreq      = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	ErrLoading          = "LOADING Redis is loading the dataset in memory"
)
