package tests

import "testing"

// Differential cases for Pub/Sub. The harness reads one reply per command,
// so these cases subscribe to one channel at a time; what arrives on one
// connection because of another is compared by the stream cases below.
var pubsubCases = []diffCase{
	{"publish without subscribers", "PUBLISH ch msg", "SPUBLISH ch msg", "PUBLISH ch"},
	{"arity", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "PUBLISH a", "SPUBLISH a b c", "PUBSUB"},
	{"pubsub numsub", "PUBSUB NUMSUB", "PUBSUB NUMSUB a b a", "PUBSUB SHARDNUMSUB", "PUBSUB SHARDNUMSUB x"},
	{"pubsub numpat", "PUBSUB NUMPAT", "PUBSUB NUMPAT x"},
	{"pubsub channels", "PUBSUB CHANNELS", "PUBSUB CHANNELS *", "PUBSUB CHANNELS a b", "PUBSUB SHARDCHANNELS", "PUBSUB SHARDCHANNELS a b"},
	{"pubsub help", "PUBSUB HELP", "PUBSUB HELP x", "PUBSUB FOO", "pubsub channels x y"},
	{"subscribe", "SUBSCRIBE ch", "SUBSCRIBE ch", "PSUBSCRIBE p*", "SSUBSCRIBE s", "UNSUBSCRIBE ch", "PUNSUBSCRIBE p*", "SUNSUBSCRIBE s"},
	{"unsubscribe nothing", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "UNSUBSCRIBE x", "PUNSUBSCRIBE x", "SUNSUBSCRIBE x"},
	{"subscribed mode resp2", "SUBSCRIBE ch", "GET k", "SET k v", "PUBLISH ch x", "CLIENT ID", "config get maxmemory", "PING", "PING hi", "ping \"\"",
		"SUBSCRIBE other", "UNSUBSCRIBE other", "UNSUBSCRIBE ch", "PING", "GET k"},
	{"subscribed mode shard", "SSUBSCRIBE s", "GET k", "PING", "SUNSUBSCRIBE s", "PING"},
	{"subscribed mode pattern", "PSUBSCRIBE p", "ECHO x", "PING", "PUNSUBSCRIBE p", "ECHO x"},
	{"subscribed mode reset", "SUBSCRIBE ch", "RESET", "PING", "PUBSUB NUMSUB ch"},
	{"subscribed mode multi", "SUBSCRIBE ch", "MULTI", "EXEC", "UNSUBSCRIBE ch", "MULTI", "SUBSCRIBE a", "PING", "EXEC", "PING"},
	{"ssubscribe in multi", "MULTI", "SSUBSCRIBE a", "EXEC", "PING"},
	{"subscribe resp3", "!HELLO 3", "SUBSCRIBE ch", "PING", "PING x", "GET nokey", "PSUBSCRIBE p*", "SSUBSCRIBE s", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "UNSUBSCRIBE", "!HELLO 2"},
	{"numsub counts", "SUBSCRIBE ch", "RESET", "PUBSUB NUMSUB ch", "PUBSUB NUMPAT"},
	{"command info", "COMMAND INFO subscribe unsubscribe psubscribe punsubscribe publish", "COMMAND INFO ssubscribe sunsubscribe spublish",
		"COMMAND INFO pubsub|channels pubsub|numsub pubsub|numpat pubsub|shardchannels pubsub|shardnumsub pubsub|help"},
	{"command getkeys shard", "COMMAND GETKEYS SPUBLISH a b", "COMMAND GETKEYS SSUBSCRIBE a b c"},
}

func TestDiffPubSub(t *testing.T) { runDiff(t, pubsubCases) }

// Two or more connections: what subscribers receive.
var pubsubStreams = []struct {
	name  string
	conns int
	steps []string
}{
	{"publish subscribe", 2, []string{"0 SUBSCRIBE a b", "0 @expect", "1 PUBLISH a hello", "0 @expect", "1 PUBLISH b world", "1 PUBLISH c none",
		"0 UNSUBSCRIBE a", "1 PUBLISH a x", "1 PUBLISH b y", "0 UNSUBSCRIBE", "1 PUBLISH b z"}},
	{"pattern", 2, []string{"0 PSUBSCRIBE news.*", "1 PUBLISH news.tech x", "0 @expect", "1 PUBLISH news y", "1 PUBLISH news.a.b z",
		"0 PSUBSCRIBE h?llo", "1 PUBLISH hello 1", "1 PUBLISH hallo 2", "1 PUBLISH hllo 3", "0 PUNSUBSCRIBE news.*", "1 PUBLISH news.tech q"}},
	{"pattern escapes and classes", 2, []string{"0 PSUBSCRIBE a[bc]d", "1 PUBLISH abd 1", "1 PUBLISH aed 2", "0 PSUBSCRIBE x\\*y", "1 PUBLISH x*y 3", "1 PUBLISH xzy 4",
		"0 PSUBSCRIBE [^a]b", "1 PUBLISH cb 5", "1 PUBLISH ab 6"}},
	{"channel and pattern both", 2, []string{"0 SUBSCRIBE foo.bar", "0 PSUBSCRIBE foo.*", "1 PUBLISH foo.bar hello", "0 @expect"}},
	{"two subscribers in order", 3, []string{"0 SUBSCRIBE ch", "1 SUBSCRIBE ch", "2 PUBLISH ch m1", "2 PUBLISH ch m2", "0 UNSUBSCRIBE ch", "2 PUBLISH ch m3"}},
	{"shard channels", 2, []string{"0 SSUBSCRIBE s1 s2", "1 SPUBLISH s1 a", "0 @expect", "1 PUBLISH s1 b", "1 SPUBLISH s2 c", "0 SUNSUBSCRIBE s1 s2",
		"1 SPUBLISH s1 d", "0 PING", "0 SSUBSCRIBE s3", "0 SUNSUBSCRIBE", "0 SUNSUBSCRIBE"}},
	{"shard and classic apart", 2, []string{"0 SSUBSCRIBE ch", "0 SUBSCRIBE ch", "1 PUBLISH ch x", "1 SPUBLISH ch y", "1 PUBSUB NUMSUB ch", "1 PUBSUB SHARDNUMSUB ch"}},
	{"resp3 messages", 2, []string{"0 HELLO 3", "0 SUBSCRIBE ch", "0 PSUBSCRIBE c*", "1 PUBLISH ch x", "0 @expect", "0 GET k", "1 PUBLISH ch y", "0 SET k v", "0 UNSUBSCRIBE", "0 PUNSUBSCRIBE"}},
	{"resp3 publish to self", 1, []string{"0 HELLO 3", "0 SUBSCRIBE ch", "0 PUBLISH ch me", "0 @expect", "0 PING", "0 UNSUBSCRIBE ch"}},
	{"resp3 pipelined publish to self", 1, []string{"0 HELLO 3", "0 SUBSCRIBE ch", "0 ECHO before", "0 PUBLISH ch me", "0 ECHO after"}},
	{"messages under client reply off", 2, []string{"0 HELLO 3", "0 CLIENT REPLY OFF", "0 SUBSCRIBE ch", "1 PUBLISH ch x", "0 @expect", "0 GET k", "0 UNSUBSCRIBE ch", "0 CLIENT REPLY ON"}},
	{"binary payloads", 2, []string{"0 SUBSCRIBE \"a\\x00b\"", "1 PUBLISH \"a\\x00b\" \"\\r\\n\\x00\\xff\"", "0 @expect", "1 PUBLISH a \"\""}},
	{"pubsub introspection", 3, []string{"0 SUBSCRIBE a b", "1 SUBSCRIBE b", "1 PSUBSCRIBE x* y*", "2 PUBSUB NUMSUB a b c", "2 PUBSUB NUMPAT", "2 PUBSUB CHANNELS a", "2 PUBSUB CHANNELS [ab]x",
		"0 QUIT", "2 PUBSUB NUMSUB a b", "1 RESET", "2 PUBSUB NUMSUB b", "2 PUBSUB NUMPAT"}},
	{"ping in subscribed mode", 1, []string{"0 SUBSCRIBE a", "0 PING", "0 PING x", "0 GET x", "0 UNSUBSCRIBE", "0 PING"}},
	{"subscribed client list type", 2, []string{"0 SUBSCRIBE a", "1 CLIENT KILL TYPE pubsub", "0 PING"}},
}

func TestStreamPubSub(t *testing.T) {
	for _, sc := range pubsubStreams {
		t.Run(sc.name, func(t *testing.T) { runStream(t, sc.conns, sc.steps) })
	}
}
