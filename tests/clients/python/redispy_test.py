"""redis-py against a server on 127.0.0.1:$REDIS_PORT.

Run by tests/clients_test.go against Ember and against redis-server (so a
mistake here shows up on both). Standard library unittest only: Debian's
python3-redis is the one dependency.
"""

import asyncio
import os
import sys
import threading
import time
import unittest

import redis

PORT = int(os.environ.get("REDIS_PORT", "6379"))


def server_commands():
    """The command names the server lists (COMMAND LIST), lower case."""
    raw = client()
    conn = raw.connection_pool.get_connection("COMMAND")
    conn.send_command("COMMAND", "LIST")
    names = {c.decode() for c in conn.read_response()}
    raw.connection_pool.release(conn)
    raw.close()
    return names


def client(**kw):
    kw.setdefault("socket_timeout", 10)
    return redis.Redis(host="127.0.0.1", port=PORT, **kw)


class Base(unittest.TestCase):
    def setUp(self):
        self.r = client(decode_responses=True)
        self.r.flushall()

    def tearDown(self):
        self.r.close()


class Connection(Base):
    def test_ping_echo_select(self):
        self.assertIs(self.r.ping(), True)
        self.assertEqual(self.r.echo("héllo"), "héllo")
        db3 = client(db=3, decode_responses=True)
        db3.set("only-in-3", "x")
        self.assertIsNone(self.r.get("only-in-3"))
        self.assertEqual(db3.get("only-in-3"), "x")
        self.assertEqual(db3.dbsize(), 1)
        db3.close()

    def test_client_name_and_list(self):
        named = client(client_name="pyclient", decode_responses=True)
        self.assertEqual(named.client_getname(), "pyclient")
        names = [c["name"] for c in named.client_list()]
        self.assertIn("pyclient", names)
        self.assertIsInstance(named.client_id(), int)
        named.close()

    def test_info_and_config(self):
        info = self.r.info()
        self.assertEqual(info["redis_mode"], "standalone")
        self.assertTrue(str(info["redis_version"]).startswith("7."))
        self.assertIsInstance(info["connected_clients"], int)
        self.r.set("a", 1)
        self.assertEqual(self.r.info("keyspace")["db0"]["keys"], 1)
        self.assertIn("used_memory", self.r.info("memory"))
        self.assertEqual(self.r.config_get("maxmemory-policy"), {"maxmemory-policy": "noeviction"})
        self.assertIs(self.r.config_set("maxmemory-policy", "allkeys-lru"), True)
        self.assertEqual(self.r.config_get("maxmemory-policy")["maxmemory-policy"], "allkeys-lru")
        self.r.config_set("maxmemory-policy", "noeviction")
        secs, micros = self.r.time()
        self.assertLess(abs(secs - time.time()), 5)
        self.assertTrue(0 <= micros < 1_000_000)

    def test_introspection_parsers(self):
        # redis-py parses these replies into dicts: their shape matters.
        cmds = self.r.command()
        self.assertEqual(cmds["get"]["arity"], 2)
        self.assertEqual(sorted(cmds["get"]["flags"]), ["fast", "readonly"])
        self.assertEqual((cmds["mset"]["first_key_pos"], cmds["mset"]["last_key_pos"], cmds["mset"]["step_count"]), (1, -1, 2))
        self.assertGreater(self.r.command_count(), 100)
        self.assertEqual(self.r.command_getkeys("MSET", "a", "1", "b", "2"), ["a", "b"])
        self.r.set("k", "v")
        stats = self.r.memory_stats()
        self.assertEqual(stats["keys.count"], 1)
        self.assertIn("dataset.bytes", stats)
        self.assertEqual(self.r.acl_whoami(), "default")
        self.assertIn("flags", self.r.acl_getuser("default"))
        self.assertIn("cmd=client|info", self.r.execute_command("CLIENT", "INFO"))
        self.assertIsInstance(self.r.lastsave(), __import__("datetime").datetime)

    def test_errors(self):
        self.r.set("s", "x")
        with self.assertRaisesRegex(redis.ResponseError, "^WRONGTYPE Operation against a key holding the wrong kind of value$"):
            self.r.lpush("s", 1)
        with self.assertRaisesRegex(redis.ResponseError, "value is not an integer or out of range"):
            self.r.incr("s")
        with self.assertRaisesRegex(redis.ResponseError, "unknown command 'NOSUCH'"):
            self.r.execute_command("NOSUCH", "a")
        with self.assertRaisesRegex(redis.ResponseError, "wrong number of arguments for 'get' command"):
            self.r.execute_command("GET")


class Strings(Base):
    def test_set_get_options(self):
        r = self.r
        self.assertIs(r.set("k", "v"), True)
        self.assertEqual(r.get("k"), "v")
        self.assertIsNone(r.set("k", "w", nx=True))
        self.assertIs(r.set("k", "w", xx=True), True)
        self.assertEqual(r.set("k", "z", get=True), "w")
        self.assertIsNone(r.get("missing"))
        self.assertEqual(r.getset("k", "y"), "z")
        self.assertEqual(r.append("k", "yy"), 3)
        self.assertEqual(r.strlen("k"), 3)
        self.assertEqual(r.getrange("k", 0, 1), "yy")
        self.assertEqual(r.setrange("k", 1, "AB"), 3)
        self.assertEqual(r.get("k"), "yAB")
        self.assertEqual(r.getdel("k"), "yAB")
        self.assertEqual(r.exists("k"), 0)

    def test_counters(self):
        r = self.r
        self.assertEqual(r.incr("n"), 1)
        self.assertEqual(r.incrby("n", 41), 42)
        self.assertEqual(r.decr("n"), 41)
        self.assertEqual(r.decrby("n", 40), 1)
        self.assertAlmostEqual(r.incrbyfloat("f", 1.5), 1.5)
        self.assertAlmostEqual(r.incrbyfloat("f", -0.25), 1.25)
        self.assertEqual(r.get("f"), "1.25")

    def test_multi_key_and_binary(self):
        r = self.r
        self.assertIs(r.mset({"a": "1", "b": "2"}), True)
        self.assertEqual(r.mget("a", "nope", "b"), ["1", None, "2"])
        self.assertIs(r.msetnx({"b": "x", "c": "3"}), False)
        self.assertIsNone(r.get("c"))
        raw = client()
        blob = bytes(range(256)) * 4 + b"\r\n\x00"
        raw.set(b"bin\x00key", blob)
        self.assertEqual(raw.get(b"bin\x00key"), blob)
        big = b"z" * (1 << 20)
        raw.set("big", big)
        self.assertEqual(raw.get("big"), big)
        raw.close()

    def test_bits(self):
        r = self.r
        self.assertEqual(r.setbit("bits", 7, 1), 0)
        self.assertEqual(r.getbit("bits", 7), 1)
        self.assertEqual(r.bitcount("bits"), 1)
        self.assertEqual(r.bitpos("bits", 1), 7)


class Expiry(Base):
    def test_ttl_family(self):
        r = self.r
        r.set("k", "v", ex=100)
        self.assertTrue(98 <= r.ttl("k") <= 100)
        self.assertTrue(98_000 <= r.pttl("k") <= 100_000)
        self.assertIs(r.persist("k"), True)
        self.assertEqual(r.ttl("k"), -1)
        self.assertEqual(r.ttl("missing"), -2)
        self.assertIs(r.expire("k", 50), True)
        self.assertIs(r.pexpire("k", 60_000), True)
        self.assertTrue(59 <= r.ttl("k") <= 60)
        at = int(time.time()) + 1000
        self.assertIs(r.expireat("k", at), True)
        self.assertEqual(r.expiretime("k"), at)
        r.setex("sx", 30, "v")
        r.psetex("psx", 30_000, "v")
        self.assertTrue(0 < r.ttl("sx") <= 30)
        self.assertTrue(0 < r.pttl("psx") <= 30_000)
        self.assertEqual(r.getex("sx", persist=True), "v")
        self.assertEqual(r.ttl("sx"), -1)

    def test_keys_disappear(self):
        r = self.r
        r.set("short", "v", px=50)
        r.set("keep", "v")
        deadline = time.time() + 5
        while r.exists("short") and time.time() < deadline:
            time.sleep(0.02)
        self.assertEqual(r.exists("short"), 0)
        self.assertIsNone(r.get("short"))
        self.assertEqual(r.keys("*"), ["keep"])


class Keyspace(Base):
    def test_generic(self):
        r = self.r
        r.set("a", 1)
        r.rpush("l", 1)
        r.hset("h", "f", "v")
        self.assertEqual(r.type("a"), "string")
        self.assertEqual(r.type("l"), "list")
        self.assertEqual(r.type("h"), "hash")
        self.assertEqual(r.type("none"), "none")
        self.assertEqual(sorted(r.keys("*")), ["a", "h", "l"])
        self.assertEqual(r.exists("a", "l", "x"), 2)
        self.assertIs(r.rename("a", "b"), True)
        self.assertIs(r.renamenx("b", "l"), False)
        self.assertEqual(r.delete("b", "x"), 1)
        self.assertEqual(r.unlink("l"), 1)
        self.assertEqual(r.dbsize(), 1)
        self.assertIn(r.randomkey(), ["h"])
        self.assertEqual(r.object("encoding", "h"), "listpack")
        self.assertIsInstance(r.memory_usage("h"), int)
        dumped = client().dump("h")
        raw = client()
        raw.restore("h2", 0, dumped)
        self.assertEqual(r.hgetall("h2"), {"f": "v"})
        self.assertIs(r.copy("h2", "h3"), True)
        self.assertEqual(r.hget("h3", "f"), "v")
        self.assertIs(r.move("h3", 2), True)
        self.assertEqual(r.exists("h3"), 0)
        raw.close()

    def test_scan_iter(self):
        r = self.r
        with r.pipeline(transaction=False) as p:
            for i in range(1000):
                p.set(f"user:{i}", i)
                p.set(f"other:{i}", i)
            p.execute()
        found = list(r.scan_iter(match="user:*", count=50))
        self.assertEqual(len(set(found)), 1000)
        self.assertTrue(all(k.startswith("user:") for k in found))
        typed = set(r.scan_iter(_type="string", count=200))
        self.assertEqual(len(typed), 2000)
        r.hset("bigh", mapping={f"f{i}": i for i in range(300)})
        self.assertEqual(dict(r.hscan_iter("bigh", match="f1*")), {f"f{i}": str(i) for i in range(300) if str(i).startswith("1")})
        r.sadd("bigs", *range(300))
        self.assertEqual(set(r.sscan_iter("bigs")), {str(i) for i in range(300)})
        r.zadd("bigz", {f"m{i}": i for i in range(300)})
        self.assertEqual(len(dict(r.zscan_iter("bigz"))), 300)

    def test_sort(self):
        r = self.r
        r.rpush("nums", 3, 1, 2)
        self.assertEqual(r.sort("nums"), ["1", "2", "3"])
        self.assertEqual(r.sort("nums", desc=True, start=0, num=2), ["3", "2"])


class Hashes(Base):
    def test_hash(self):
        r = self.r
        self.assertEqual(r.hset("h", mapping={"a": "1", "b": "2"}), 2)
        self.assertEqual(r.hset("h", "c", "3"), 1)
        self.assertEqual(r.hget("h", "a"), "1")
        self.assertEqual(r.hgetall("h"), {"a": "1", "b": "2", "c": "3"})
        self.assertEqual(r.hmget("h", ["a", "x", "c"]), ["1", None, "3"])
        self.assertEqual(r.hincrby("h", "a", 9), 10)
        self.assertAlmostEqual(r.hincrbyfloat("h", "b", 0.5), 2.5)
        self.assertEqual(r.hsetnx("h", "a", "z"), 0)
        self.assertIs(r.hexists("h", "c"), True)
        self.assertEqual(r.hlen("h"), 3)
        self.assertEqual(sorted(r.hkeys("h")), ["a", "b", "c"])
        self.assertEqual(sorted(r.hvals("h")), ["10", "2.5", "3"])
        self.assertEqual(r.hstrlen("h", "b"), 3)
        self.assertIn(r.hrandfield("h"), ["a", "b", "c"])
        self.assertEqual(r.hdel("h", "a", "b", "c"), 3)
        self.assertEqual(r.exists("h"), 0)
        self.assertEqual(r.hgetall("h"), {})


class Lists(Base):
    def test_list(self):
        r = self.r
        self.assertEqual(r.rpush("l", "a", "b", "c"), 3)
        self.assertEqual(r.lpush("l", "z"), 4)
        self.assertEqual(r.lrange("l", 0, -1), ["z", "a", "b", "c"])
        self.assertEqual(r.llen("l"), 4)
        self.assertEqual(r.lindex("l", -1), "c")
        self.assertIs(r.lset("l", 0, "Z"), True)
        self.assertEqual(r.linsert("l", "before", "b", "a2"), 5)
        self.assertEqual(r.lpos("l", "b"), 3)
        self.assertEqual(r.lrem("l", 0, "a2"), 1)
        self.assertIs(r.ltrim("l", 1, -1), True)
        self.assertEqual(r.lpop("l"), "a")
        self.assertEqual(r.rpop("l", 2), ["c", "b"])
        self.assertIsNone(r.lpop("l"))
        self.assertEqual(r.exists("l"), 0)
        r.rpush("src", 1, 2, 3)
        self.assertEqual(r.lmove("src", "dst", "LEFT", "RIGHT"), "1")
        self.assertEqual(r.rpoplpush("src", "dst"), "3")
        self.assertEqual(r.lrange("dst", 0, -1), ["3", "1"])
        self.assertEqual(r.lpushx("nope", 1), 0)

    def test_blocking_pops(self):
        r = self.r
        self.assertIsNone(r.blpop("empty", timeout=0.1))
        r.rpush("q", "first")
        self.assertEqual(r.blpop(["none", "q"], timeout=1), ("q", "first"))

        def push_later():
            time.sleep(0.2)
            w = client()
            w.rpush("later", "x", "y")
            w.close()

        t = threading.Thread(target=push_later)
        start = time.time()
        t.start()
        self.assertEqual(r.brpop("later", timeout=5), ("later", "y"))
        t.join()
        self.assertGreaterEqual(time.time() - start, 0.15)
        self.assertEqual(r.blmove("later", "moved", 1, "LEFT", "LEFT"), "x")
        self.assertEqual(r.brpoplpush("missing", "moved", timeout=0.05), None)
        r.zadd("z", {"m": 1})
        self.assertEqual(r.bzpopmin("z", timeout=1), ("z", "m", 1.0))


class Sets(Base):
    def test_set(self):
        r = self.r
        self.assertEqual(r.sadd("s", "a", "b", "c"), 3)
        self.assertEqual(r.sadd("s", "a"), 0)
        self.assertEqual(r.smembers("s"), {"a", "b", "c"})
        self.assertIs(r.sismember("s", "a"), True)
        self.assertEqual(r.smismember("s", ["a", "x"]), [1, 0])
        self.assertEqual(r.scard("s"), 3)
        r.sadd("t", "b", "c", "d")
        self.assertEqual(r.sinter("s", "t"), {"b", "c"})
        self.assertEqual(r.sunion("s", "t"), {"a", "b", "c", "d"})
        self.assertEqual(r.sdiff("s", "t"), {"a"})
        self.assertEqual(r.sinterstore("st", ["s", "t"]), 2)
        self.assertEqual(r.sintercard(2, ["s", "t"]), 2)
        self.assertIs(r.smove("s", "t", "a"), True)
        self.assertEqual(r.srem("t", "a", "zz"), 1)
        self.assertIn(r.spop("s"), {"b", "c"})
        self.assertEqual(len(r.srandmember("t", 2)), 2)
        r.sadd("ints", *range(10))
        self.assertEqual(r.object("encoding", "ints"), "intset")


class SortedSets(Base):
    def test_zset(self):
        r = self.r
        self.assertEqual(r.zadd("z", {"a": 1, "b": 2, "c": 3}), 3)
        self.assertEqual(r.zadd("z", {"a": 5}, xx=True, ch=True), 1)
        self.assertIsNone(r.zadd("z", {"a": 1}, nx=True, incr=True))
        self.assertEqual(r.zscore("z", "a"), 5.0)
        self.assertEqual(r.zincrby("z", 0.5, "b"), 2.5)
        self.assertEqual(r.zrange("z", 0, -1, withscores=True), [("b", 2.5), ("c", 3.0), ("a", 5.0)])
        self.assertEqual(r.zrevrange("z", 0, 0), ["a"])
        self.assertEqual(r.zrangebyscore("z", 2, "(5"), ["b", "c"])
        self.assertEqual(r.zrange("z", "(2.5", "+inf", byscore=True, offset=0, num=1), ["c"])
        self.assertEqual(r.zrank("z", "c"), 1)
        self.assertEqual(r.zrevrank("z", "c"), 1)
        self.assertEqual(r.zcard("z"), 3)
        self.assertEqual(r.zcount("z", "-inf", 3), 2)
        self.assertEqual(r.zmscore("z", ["a", "x"]), [5.0, None])
        self.assertEqual(r.zpopmin("z"), [("b", 2.5)])
        self.assertEqual(r.zpopmax("z", 1), [("a", 5.0)])
        self.assertEqual(r.zrem("z", "c"), 1)
        self.assertEqual(r.exists("z"), 0)
        r.zadd("lex", {"a": 0, "b": 0, "c": 0})
        self.assertEqual(r.zrangebylex("lex", "[b", "+"), ["b", "c"])
        self.assertEqual(r.zlexcount("lex", "-", "+"), 3)
        r.zadd("z1", {"x": 1, "y": 2})
        r.zadd("z2", {"y": 10, "w": 1})
        self.assertEqual(r.zunionstore("u", {"z1": 1, "z2": 2}), 3)
        self.assertEqual(r.zrange("u", 0, -1, withscores=True), [("x", 1.0), ("w", 2.0), ("y", 22.0)])
        self.assertEqual(r.zinter(["z1", "z2"], withscores=True), [("y", 12.0)])
        inf = client()
        inf.zadd("inf", {"lo": float("-inf"), "hi": float("inf")})
        self.assertEqual(inf.zrange("inf", 0, -1, withscores=True), [(b"lo", float("-inf")), (b"hi", float("inf"))])
        inf.close()


class Transactions(Base):
    def test_pipeline_transaction(self):
        with self.r.pipeline(transaction=True) as p:
            p.set("a", 1).incr("a").get("a").lpush("a", 1).incr("n")
            res = p.execute(raise_on_error=False)
        self.assertEqual(res[:3], [True, 2, "2"])
        self.assertIsInstance(res[3], redis.ResponseError)
        self.assertIn("WRONGTYPE", str(res[3]))
        self.assertEqual(res[4], 1)

    def test_pipeline_no_transaction(self):
        with self.r.pipeline(transaction=False) as p:
            for i in range(500):
                p.rpush("pl", i)
            p.llen("pl")
            res = p.execute()
        self.assertEqual(res[-1], 500)
        self.assertEqual(res[:3], [1, 2, 3])

    def test_exec_abort_on_queue_error(self):
        with self.r.pipeline(transaction=True) as p:
            p.set("a", 1)
            p.execute_command("SET", "onlyonearg")
            with self.assertRaises(redis.ResponseError) as cm:
                p.execute()
        # redis-py reports the queueing error (and discards on EXECABORT).
        self.assertIn("(SET onlyonearg) of pipeline caused error: wrong number of arguments for 'set' command", str(cm.exception))
        self.assertIsNone(self.r.get("a"))

    def test_watch_optimistic_locking(self):
        self.r.set("balance", 100)

        def withdraw(pipe):
            bal = int(pipe.get("balance"))
            pipe.multi()
            pipe.set("balance", bal - 10)

        self.assertEqual(self.r.transaction(withdraw, "balance"), [True])
        self.assertEqual(self.r.get("balance"), "90")

        # A write from another connection between WATCH and EXEC aborts.
        other = client()
        with self.r.pipeline() as p:
            p.watch("balance")
            bal = int(p.get("balance"))
            other.set("balance", 1000)
            p.multi()
            p.set("balance", bal - 10)
            with self.assertRaises(redis.WatchError):
                p.execute()
        self.assertEqual(self.r.get("balance"), "1000")
        other.close()

    def test_concurrent_increments_with_watch(self):
        # Many threads doing read-modify-write through WATCH lose nothing.
        self.r.set("ctr", 0)
        retries = []

        def work():
            c = client()
            for _ in range(25):
                while True:
                    with c.pipeline() as p:
                        try:
                            p.watch("ctr")
                            v = int(p.get("ctr"))
                            p.multi()
                            p.set("ctr", v + 1)
                            p.execute()
                            break
                        except redis.WatchError:
                            retries.append(1)
            c.close()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(self.r.get("ctr"), "100")


class PubSub(Base):
    def setUp(self):
        super().setUp()
        if "subscribe" not in server_commands():
            self.skipTest("Pub/Sub is not implemented on this server")

    def wait_message(self, ps):
        deadline = time.time() + 5
        while time.time() < deadline:
            m = ps.get_message(timeout=0.1)
            if m is not None:
                return m
        self.fail("no Pub/Sub message within 5 s")

    def test_subscribe_publish(self):
        ps = self.r.pubsub()
        ps.subscribe("news")
        self.assertEqual(self.wait_message(ps), {"type": "subscribe", "pattern": None, "channel": "news", "data": 1})
        ps.psubscribe("n*")
        self.assertEqual(self.wait_message(ps)["type"], "psubscribe")
        self.assertEqual(self.r.publish("news", "hello"), 2)
        got = [self.wait_message(ps), self.wait_message(ps)]
        self.assertIn({"type": "message", "pattern": None, "channel": "news", "data": "hello"}, got)
        self.assertIn({"type": "pmessage", "pattern": "n*", "channel": "news", "data": "hello"}, got)
        self.assertEqual(self.r.pubsub_numsub("news"), [("news", 1)])
        ps.unsubscribe("news")
        self.assertEqual(self.wait_message(ps)["type"], "unsubscribe")
        ps.close()


class Asyncio(unittest.IsolatedAsyncioTestCase):
    async def test_async_client(self):
        import redis.asyncio as aredis

        r = aredis.Redis(host="127.0.0.1", port=PORT, decode_responses=True)
        await r.flushall()
        await r.set("a", "1")
        self.assertEqual(await r.incr("a"), 2)
        async with r.pipeline(transaction=True) as p:
            p.incr("a").get("a")
            self.assertEqual(await p.execute(), [3, "3"])
        # Concurrent calls may use several pooled connections: each INCR
        # still sees a distinct value.
        self.assertEqual(sorted(await asyncio.gather(*(r.incr("c") for _ in range(50)))), list(range(1, 51)))
        self.assertIsNone(await r.blpop("none", timeout=0.1))
        await r.close()


class Scripting(Base):
    # redis-py's Lock releases through a Lua script: only where EVAL exists.
    def setUp(self):
        super().setUp()
        if "eval" not in server_commands():
            self.skipTest("EVAL is not implemented on this server")

    def test_eval(self):
        self.assertEqual(self.r.eval("return ARGV[1]", 0, "x"), "x")

    def test_lock(self):
        lock = self.r.lock("resource", timeout=5)
        self.assertIs(lock.acquire(blocking=False), True)
        other = client().lock("resource", timeout=5)
        self.assertIs(other.acquire(blocking=False), False)
        lock.release()
        self.assertIs(other.acquire(blocking=False), True)
        other.release()


if __name__ == "__main__":
    print("redis-py", redis.__version__, "python", sys.version.split()[0], file=sys.stderr)
    unittest.main(verbosity=2)
