// node-redis against the server on 127.0.0.1:$REDIS_PORT: v4 (package
// "redis", RESP2 only) and the current major (package "redis-current", with
// RESP2 and RESP3). Run with `node --test` by tests/clients_test.go, against
// Ember and against redis-server.
'use strict';

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');

const PORT = Number(process.env.REDIS_PORT || 6379);
const url = `redis://127.0.0.1:${PORT}`;

const variants = [
  { pkg: 'redis', resp: 2 },
  { pkg: 'redis-current', resp: 2 },
  { pkg: 'redis-current', resp: 3 },
];

const sorted = (a) => [...a].sort();

const nodeMajor = Number(process.versions.node.split('.')[0]);

for (const { pkg, resp } of variants) {
  const version = require(`${pkg}/package.json`).version;
  const major = Number(version.split('.')[0]);
  const opts = (extra = {}) => (major >= 5 ? { url, RESP: resp, ...extra } : { url, ...extra });
  // node-redis 5 and later need Node 20 (Debian 12 ships 18).
  const skip = major >= 5 && nodeMajor < 20 ? `node-redis ${version} needs Node 20, this is ${process.version}` : false;
  const lib = skip ? null : require(pkg);

  describe(`node-redis ${version} RESP${resp}`, { skip }, () => {
    let c;
    before(async () => {
      c = lib.createClient(opts());
      c.on('error', () => {});
      await c.connect();
    });
    after(async () => {
      await c.quit();
    });
    beforeEach(async () => {
      await c.flushAll();
    });

    it('connects (CLIENT SETINFO refused by 7.0 is ignored) and pings', async () => {
      assert.equal(await c.ping(), 'PONG');
      assert.equal(await c.echo('héllo'), 'héllo');
      const info = await c.info('server');
      assert.match(info, /redis_version:7\./);
      assert.match(info, /redis_mode:standalone/);
    });

    it('selects a database and names the connection', async () => {
      const d = lib.createClient(opts({ database: 4, name: 'nodeclient' }));
      d.on('error', () => {});
      await d.connect();
      await d.set('only-in-4', 'x');
      assert.equal(await c.get('only-in-4'), null);
      assert.equal(await d.get('only-in-4'), 'x');
      assert.equal(await d.clientGetName(), 'nodeclient');
      assert.match(await d.sendCommand(['CLIENT', 'LIST']), /name=nodeclient .*db=4 /);
      await d.quit();
    });

    it('strings and counters', async () => {
      assert.equal(await c.set('k', 'v'), 'OK');
      assert.equal(await c.set('k', 'w', { NX: true }), null);
      assert.equal(await c.get('k'), 'v');
      assert.equal(await c.append('k', 'vv'), 3);
      assert.equal(await c.getRange('k', 1, -1), 'vv');
      assert.equal(await c.incr('n'), 1);
      assert.equal(await c.incrBy('n', 41), 42);
      assert.equal(Number(await c.incrByFloat('f', 2.5)), 2.5);
      assert.equal(await c.mSet({ a: '1', b: '2' }), 'OK');
      assert.deepEqual(await c.mGet(['a', 'x', 'b']), ['1', null, '2']);
      const blob = Buffer.from([0, 1, 2, 255, 13, 10]);
      await c.set('bin', blob);
      const got =
        major >= 5
          ? await c.withTypeMapping({ [lib.RESP_TYPES.BLOB_STRING]: Buffer }).get('bin')
          : await c.get(lib.commandOptions({ returnBuffers: true }), 'bin');
      assert.deepEqual(got, blob);
      await assert.rejects(c.incr('k'), /value is not an integer or out of range/);
      await assert.rejects(c.lPush('k', 'x'), /^\[?.*WRONGTYPE Operation against a key holding the wrong kind of value/);
    });

    it('expiry', async () => {
      await c.set('e', 'v', { EX: 100 });
      const ttl = await c.ttl('e');
      assert.ok(ttl >= 98 && ttl <= 100, `ttl ${ttl}`);
      assert.equal(await c.persist('e'), major >= 5 ? 1 : true);
      assert.equal(await c.ttl('e'), -1);
      await c.set('short', 'v', { PX: 30 });
      const deadline = Date.now() + 5000;
      while ((await c.exists('short')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await c.exists('short'), 0);
    });

    it('hashes', async () => {
      assert.equal(await c.hSet('h', { a: '1', b: '2' }), 2);
      assert.equal(await c.hSet('h', 'c', '3'), 1);
      assert.deepEqual({ ...(await c.hGetAll('h')) }, { a: '1', b: '2', c: '3' });
      assert.equal(await c.hIncrBy('h', 'a', 9), 10);
      assert.deepEqual(await c.hmGet('h', ['a', 'zz']), ['10', null]);
      assert.equal(await c.hLen('h'), 3);
      assert.equal(await c.hDel('h', ['a', 'b', 'c']), 3);
      assert.equal(await c.exists('h'), 0);
      assert.deepEqual({ ...(await c.hGetAll('h')) }, {});
    });

    it('lists and blocking pops', async () => {
      assert.equal(await c.rPush('l', ['a', 'b', 'c']), 3);
      assert.deepEqual(await c.lRange('l', 0, -1), ['a', 'b', 'c']);
      assert.equal(await c.lPop('l'), 'a');
      assert.equal(await c.lMove('l', 'm', 'RIGHT', 'LEFT'), 'c');
      assert.deepEqual(await c.blPop('none', 0.1), null);
      const blocker = c.duplicate();
      blocker.on('error', () => {});
      await blocker.connect();
      const pending = blocker.brPop('later', 5);
      await new Promise((r) => setTimeout(r, 100));
      await c.rPush('later', ['x', 'y']);
      assert.deepEqual(await pending, { key: 'later', element: 'y' });
      assert.deepEqual(await blocker.blPop(['nothing', 'later'], 1), { key: 'later', element: 'x' });
      await blocker.quit();
    });

    it('sets and sorted sets', async () => {
      assert.equal(await c.sAdd('s', ['a', 'b', 'c']), 3);
      assert.deepEqual(sorted(await c.sMembers('s')), ['a', 'b', 'c']);
      assert.equal(await c.sIsMember('s', 'a'), major >= 5 ? 1 : true);
      await c.sAdd('t', ['b', 'c', 'd']);
      assert.deepEqual(sorted(await c.sInter(['s', 't'])), ['b', 'c']);
      assert.equal(await c.zAdd('z', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }, { score: -Infinity, value: 'lo' }]), 3);
      assert.deepEqual(await c.zRangeWithScores('z', 0, -1), [
        { value: 'lo', score: -Infinity },
        { value: 'a', score: 1 },
        { value: 'b', score: 2.5 },
      ]);
      assert.equal(await c.zScore('z', 'b'), 2.5);
      assert.equal(await c.zIncrBy('z', 1, 'a'), 2);
      assert.deepEqual(await c.zRange('z', 2, 3, { BY: 'SCORE' }), ['a', 'b']);
      assert.equal(await c.zRank('z', 'b'), 2);
      assert.deepEqual(await c.zPopMin('z'), { value: 'lo', score: -Infinity });
      assert.equal(await c.zCard('z'), 2);
    });

    it('MULTI/EXEC and pipelining', async () => {
      const res = await c.multi().set('a', '1').incr('a').get('a').exec();
      assert.deepEqual(res, ['OK', 2, '2']);
      // Commands sent in the same tick are pipelined.
      const all = await Promise.all(Array.from({ length: 200 }, (_, i) => c.rPush('pl', String(i))));
      assert.deepEqual(all, Array.from({ length: 200 }, (_, i) => i + 1));
      const pipe = await c.multi().incr('p').incr('p').execAsPipeline();
      assert.deepEqual(pipe, [1, 2]);
      await c.set('str', 'x');
      // A command failing inside EXEC: the others still ran.
      await assert.rejects(c.multi().set('a', '3').lPush('str', 'y').exec(), (err) => {
        assert.equal(err.constructor.name, 'MultiErrorReply');
        assert.deepEqual(err.errorIndexes, [1]);
        assert.equal(err.replies[0], 'OK');
        assert.equal(err.replies[1].message, 'WRONGTYPE Operation against a key holding the wrong kind of value');
        return true;
      });
      assert.equal(await c.get('a'), '3');
    });

    it('WATCH aborts on a concurrent write', async () => {
      const w = c.duplicate();
      w.on('error', () => {});
      await w.connect();
      await w.set('bal', '100');
      await w.watch('bal');
      const bal = Number(await w.get('bal'));
      await c.set('bal', '1000');
      const r = w.multi().set('bal', String(bal - 10)).exec();
      await assert.rejects(r, /One \(or more\) of the watched keys has been changed/);
      assert.equal(await c.get('bal'), '1000');
      await w.watch('bal');
      assert.deepEqual(await w.multi().set('bal', '1').exec(), ['OK']);
      await w.quit();
    });

    it('scanIterator walks every key', async () => {
      await Promise.all(Array.from({ length: 500 }, (_, i) => c.set(`user:${i}`, String(i))));
      await Promise.all(Array.from({ length: 100 }, (_, i) => c.set(`other:${i}`, String(i))));
      const seen = new Set();
      for await (const k of c.scanIterator({ MATCH: 'user:*', COUNT: 50 })) {
        for (const key of Array.isArray(k) ? k : [k]) seen.add(key);
      }
      assert.equal(seen.size, 500);
      for (const k of seen) assert.match(k, /^user:/);
      await c.hSet('bh', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)])));
      let n = 0;
      for await (const e of c.hScanIterator('bh')) n += Array.isArray(e) ? e.length : 1;
      assert.equal(n, 200);
    });

    it('Pub/Sub (when the server has it)', async (t) => {
      const cmds = new Set(await c.sendCommand(['COMMAND', 'LIST']));
      if (!cmds.has('subscribe')) {
        t.skip('Pub/Sub is not implemented on this server');
        return;
      }
      const sub = c.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      const got = new Promise((resolve) => sub.subscribe('news', (msg, ch) => resolve([ch, msg])));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await c.publish('news', 'hello'), 1);
      assert.deepEqual(await got, ['news', 'hello']);
      await sub.unsubscribe('news');
      await sub.quit();
    });

    it('COMMAND and INFO parse', async () => {
      const cnt = await c.commandCount();
      assert.ok(cnt > 100, `COMMAND COUNT ${cnt}`);
      const info = await c.sendCommand(['INFO', 'keyspace']);
      assert.match(info, /# Keyspace/);
      const dbsize = await c.dbSize();
      assert.equal(dbsize, 0);
    });
  });
}
