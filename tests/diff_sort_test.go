package tests

import "testing"

// SORT and SORT_RO on sets, with BY and GET reading strings.
var sortCases = []diffCase{
	{"sort numbers", "SADD s 5 -3 10 0 7", "SORT s", "SORT s DESC", "SORT s ASC", "SORT s desc asc", "SORT_RO s", "SORT_RO s DESC"},
	{"sort missing and wrong type", "SORT nokey", "SORT_RO nokey", "SORT nokey ALPHA DESC LIMIT 0 5", "SET str v", "SORT str", "SORT_RO str", "SORT str BY nosort"},
	{"sort syntax", "SADD s 1", "SORT s FOO", "SORT s LIMIT 1", "SORT s LIMIT a b", "SORT s LIMIT 0 x", "SORT s LIMIT 9223372036854775808 1", "SORT s BY", "SORT s GET", "SORT s STORE", "SORT_RO s STORE d", "SORT_RO s store d", "SORT s ASC FOO", "SET str v", "SORT str FOO"},
	{"sort limit", "SADD s " + setSeq("", 0, 10), "SORT s LIMIT 0 3", "SORT s LIMIT 2 3", "SORT s LIMIT -5 3", "SORT s LIMIT 8 10", "SORT s LIMIT 10 1", "SORT s LIMIT 100 5", "SORT s LIMIT 0 0", "SORT s LIMIT 0 -1", "SORT s LIMIT 0 -100", "SORT s LIMIT 3 9223372036854775807", "SORT s LIMIT -9223372036854775808 -9223372036854775808", "SORT s DESC LIMIT 1 2", "SORT s LIMIT 1 2 LIMIT 5 1"},
	{"sort floats", `SADD s 1.5 -inf " 3" 0x10 +2 -0 0 1e3 .5 "" inf`, "SORT s", "SORT s DESC"},
	{"sort not numbers", "SADD s 1 a", "SORT s", "SORT s DESC LIMIT 0 1", "SORT_RO s", "SADD t 1 1e400", "SORT t", "SADD u 1 nan", "SORT u", "SADD v 1 '2 '", "SORT v", "SADD w 1e-400 1", "SORT w"},
	{"sort alpha", "SADD s banana apple cherry Apple 10 9", "SORT s ALPHA", "SORT s ALPHA DESC", "SORT s ALPHA LIMIT 1 2", "SORT_RO s ALPHA DESC LIMIT 0 3"},
	{"sort alpha binary", `SADD s "a\x00z" "aa" "\xff" "b" "\x01"`, "SORT s ALPHA", "SORT s ALPHA DESC"},
	{"sort by weights", "SADD s a b c d", "SET w_a 3", "SET w_b 1", "SET w_c 2", "SORT s BY w_*", "SORT s BY w_* DESC", "SORT s BY w_* LIMIT 1 2", "SORT_RO s BY w_* DESC LIMIT 0 2"},
	{"sort by weights with ties", "SADD s a b c d e", "SET w_a 1", "SET w_b 1", "SET w_c 0", "SORT s BY w_*", "SORT s BY w_* DESC"},
	{"sort by bad weight", "SADD s a b", "SET w_a 1", "SET w_b x", "SORT s BY w_*", "SORT s BY w_* ALPHA"},
	{"sort by non string weight", "SADD s a b", "SADD w_a 5", "SET w_b 2", "SORT s BY w_*"},
	{"sort by alpha", "SADD s 1 2 3 4", "SET w_1 pear", "SET w_2 apple", "SET w_3 fig", "SORT s BY w_* ALPHA", "SORT s BY w_* ALPHA DESC", "SORT s BY w_* ALPHA LIMIT 0 2", "SORT s BY w_* ALPHA LIMIT 1 1"},
	{"sort by pattern forms", "SADD s x y", "SET pre_x_post 2", "SET pre_y_post 1", "SORT s BY pre_*_post", "SORT s BY pre_*_post DESC", "SET ab 1", "SORT s BY *->", "SORT s BY **"},
	{"sort by nosort", "SADD s 3 1 2", "SORT s BY nosort", "SORT s BY nosort DESC", "SORT s BY nosort LIMIT 1 1", "SORT s BY nosort GET #", "SORT s BY w_* BY nosort", "SADD h b a c", "~SORT h BY nosort"},
	{"sort get", "SADD s 1 2 3", "SET v_1 one", "SET v_3 three", "SORT s GET v_*", "SORT s GET # GET v_*", "SORT s GET v_* GET # DESC LIMIT 0 2", "SORT s GET nostar", "SORT s GET #", "SORT s GET ##", "SADD v_2 x", "SORT s GET v_*", "SORT s BY nosort GET v_* LIMIT 0 0", "SORT_RO s GET # GET v_*"},
	{"sort get field pattern without hashes", "SADD s 1 2", "SET v_1 one", "SORT s GET v_*->f", "SORT s GET v_*->", "SORT s BY v_*->f"},
	{"sort store empty", "SET d v", "SORT nokey STORE d", "EXISTS d", "SORT nokey STORE d", "SADD s 1", "SORT s LIMIT 5 5 STORE d", "SORT_RO nokey"},
	{"sort resp3", "!HELLO 3", "SADD s 2 1", "SET v_1 x", "SORT s", "SORT s GET v_* GET #", "SORT nokey", "SORT s LIMIT 5 1"},
	// Redis compares options as C strings: an argument ends at a NUL byte.
	{"sort options end at nul", "SADD s 3 1 2", "SET w_1 c", "SET w_2 b", "SET w_3 a", `SORT s "desc\x00"`, `SORT s "desc\x00" "limit\x00" 0 2`,
		`SORT s "alpha\x00" "asc\x00x"`, `SORT s "by\x00" w_* "alpha\x00" "get\x00" "#" "get\x00junk" w_*`, `SORT s "by\x00x" nosort`,
		`SORT s "store\x00" d`, "LRANGE d 0 -1", `SORT_RO s "desc\x00"`, `SORT_RO s "store\x00" d`, `SORT s "descx"`, `SORT s "d\x00esc"`},
}

func TestDiffSort(t *testing.T) { runDiff(t, setFlushFirst(sortCases)) }

// SORT ... STORE writes a list; these need the list type.
var sortStoreCases = []diffCase{
	{"sort store", "SADD s 3 1 2", "SORT s STORE d", "LRANGE d 0 -1", "SORT s DESC STORE d", "LRANGE d 0 -1", "SORT s GET # GET nostar STORE d", "LRANGE d 0 -1", "SORT s STORE s", "LRANGE s 0 -1"},
	{"sort store forces alpha for sets", "SADD s b 10 a 9", "SORT s BY nosort STORE d", "LRANGE d 0 -1", "SORT s BY nosort DESC STORE d", "LRANGE d 0 -1"},
	{"sort alpha ties as C strings", `RPUSH l "a\x00b" "a\x00a" "a" "\xff" "b"`, "SORT l ALPHA", "SORT l ALPHA DESC", "SORT l ALPHA LIMIT 0 2"},
	{"sort store binary alpha", `SADD s "a\x00b" "a\x00a" "a"`, "SORT s ALPHA STORE d", "LRANGE d 0 -1"},
	{"sort lists", "RPUSH l 3 1 2 10", "SORT l", "SORT l DESC", "SORT l ALPHA", "SORT l BY nosort", "SORT l BY nosort DESC", "SORT l BY nosort LIMIT 1 2", "SORT l BY nosort DESC LIMIT 1 2", "SORT l LIMIT 1 2", "RPUSH m b a b c", "SORT m ALPHA", "SORT m", "SORT_RO l BY nosort DESC"},
	{"sort list by alpha ties with limit", "RPUSH l " + setSeq("e", 0, 50), "SET w_e3 z", "SET w_e7 a", "SORT l BY w_* ALPHA LIMIT 0 10", "SORT l BY w_* ALPHA LIMIT 20 10", "SORT l BY w_* ALPHA DESC LIMIT 5 10", "SORT l BY w_* ALPHA"},
}

func TestDiffSortStoreAndLists(t *testing.T) {
	setNeedCommands(t, "LRANGE probe 0 -1", "RPUSH probe x", "DEL probe")
	runDiff(t, setFlushFirst(sortStoreCases))
}

var sortZSetCases = []diffCase{
	{"sort zsets", "ZADD z 3 a 1 b 2 c", "SORT z ALPHA", "SORT z BY nosort", "SORT z BY nosort DESC", "SORT z BY nosort LIMIT 1 1", "SORT z BY nosort DESC LIMIT 1 5", "ZADD n 1 10 2 5 3 7", "SORT n", "SORT n DESC LIMIT 0 2"},
}

func TestDiffSortZSets(t *testing.T) {
	setNeedCommands(t, "ZCARD probe")
	runDiff(t, setFlushFirst(sortZSetCases))
}

var sortHashCases = []diffCase{
	{"sort hash fields", "SADD s 1 2 3", "HSET h_1 w 3 v one", "HSET h_2 w 1 v two", "HSET h_3 w 2", "SORT s BY h_*->w", "SORT s BY h_*->w GET h_*->v GET #", "SORT s BY h_*->v ALPHA", "SORT s GET h_*->nofield", "SET h_1 str", "SORT s GET h_*->v"},
}

func TestDiffSortHashes(t *testing.T) {
	setNeedCommands(t, "HLEN probe")
	runDiff(t, setFlushFirst(sortHashCases))
}
