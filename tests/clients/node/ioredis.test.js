// ioredis against the server on 127.0.0.1:$REDIS_PORT. ioredis sends INFO
// on connect (its ready check waits while "loading:1"), CLIENT SETINFO
// (errors ignored), CLIENT SETNAME and SELECT when configured. Run with
// `node --test` by tests/clients_test.go against Ember and redis-server.
'use strict';

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const Redis = require('ioredis');

const PORT = Number(process.env.REDIS_PORT || 6379);
const version = require('ioredis/package.json').version;
const sorted = (a) => [...a].sort();

function connect(extra = {}) {
  return new Redis({ host: '127.0.0.1', port: PORT, maxRetriesPerRequest: 1, ...extra });
}

async function serverCommands(c) {
  return new Set(await c.call('COMMAND', 'LIST'));
}

describe(`ioredis ${version}`, () => {
  let c;
  before(async () => {
    c = connect();
    await new Promise((resolve, reject) => {
      c.once('ready', resolve);
      c.once('error', reject);
    });
  });
  after(async () => {
    await c.quit();
  });
  beforeEach(async () => {
    await c.flushall();
  });

  it('passes the ready check and reads server info', async () => {
    assert.equal(c.status, 'ready');
    // The ready check splits INFO on CRLF and ':' and waits while loading.
    const info = Object.fromEntries(
      (await c.info())
        .split('\r\n')
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
    );
    assert.match(info.redis_version, /^7\./);
    assert.equal(info.loading, '0');
    assert.equal(await c.ping(), 'PONG');
  });

  it('connectionName and db are applied on connect', async () => {
    const d = connect({ connectionName: 'iorclient', db: 5 });
    await d.set('only-in-5', 'x');
    assert.equal(await c.get('only-in-5'), null);
    assert.equal(await d.client('GETNAME'), 'iorclient');
    assert.match(await d.client('LIST'), /name=iorclient .*db=5 /);
    await d.quit();
  });

  it('lazyConnect with the ready check off', async () => {
    const d = connect({ lazyConnect: true, enableReadyCheck: false });
    await d.connect();
    assert.equal(await d.echo('x'), 'x');
    d.disconnect();
  });

  it('strings, buffers and errors', async () => {
    assert.equal(await c.set('k', 'v', 'EX', 100), 'OK');
    assert.equal(await c.set('k', 'w', 'NX'), null);
    assert.equal(await c.get('k'), 'v');
    const ttl = await c.ttl('k');
    assert.ok(ttl >= 98 && ttl <= 100, `ttl ${ttl}`);
    assert.equal(await c.incr('n'), 1);
    assert.equal(await c.incrbyfloat('f', '1.5'), '1.5');
    assert.equal(await c.mset({ a: 1, b: 2 }), 'OK');
    assert.deepEqual(await c.mget('a', 'x', 'b'), ['1', null, '2']);
    const blob = Buffer.from([0, 1, 2, 255, 13, 10]);
    await c.set('bin', blob);
    assert.deepEqual(await c.getBuffer('bin'), blob);
    await assert.rejects(c.incr('k'), { message: 'ERR value is not an integer or out of range' });
    await assert.rejects(c.lpush('k', 'x'), { message: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    await assert.rejects(c.call('NOSUCH', 'a'), { message: "ERR unknown command 'NOSUCH', with args beginning with: 'a' " });
  });

  it('hashes, lists, sets, sorted sets', async () => {
    assert.equal(await c.hset('h', { a: 1, b: 2 }), 2);
    assert.deepEqual(await c.hgetall('h'), { a: '1', b: '2' });
    assert.deepEqual(await c.hgetall('missing'), {});
    assert.equal(await c.rpush('l', 'a', 'b', 'c'), 3);
    assert.deepEqual(await c.lrange('l', 0, -1), ['a', 'b', 'c']);
    assert.equal(await c.lpop('l'), 'a');
    assert.deepEqual(await c.lpop('l', 5), ['b', 'c']);
    assert.equal(await c.exists('l'), 0);
    assert.equal(await c.sadd('s', 'x', 'y', 'z'), 3);
    assert.deepEqual(sorted(await c.smembers('s')), ['x', 'y', 'z']);
    assert.equal(await c.zadd('z', 1, 'a', 2, 'b', '-inf', 'lo'), 3);
    assert.deepEqual(await c.zrange('z', 0, -1, 'WITHSCORES'), ['lo', '-inf', 'a', '1', 'b', '2']);
    assert.deepEqual(await c.zrangebyscore('z', '(1', '+inf'), ['b']);
    assert.deepEqual(await c.zpopmax('z'), ['b', '2']);
  });

  it('blocking pops wake on push', async () => {
    assert.equal(await c.blpop('none', 0.1), null);
    const blocker = c.duplicate();
    const pending = blocker.brpop('later', 5);
    await new Promise((r) => setTimeout(r, 100));
    await c.rpush('later', 'x', 'y');
    assert.deepEqual(await pending, ['later', 'y']);
    assert.equal(await blocker.blmove('later', 'dst', 'LEFT', 'RIGHT', 1), 'x');
    await c.zadd('zz', 3, 'm');
    assert.deepEqual(await blocker.bzpopmin('zz', 1), ['zz', 'm', '3']);
    await blocker.quit();
  });

  it('pipeline and multi', async () => {
    const res = await c.pipeline().set('a', 1).incr('a').lpush('a', 'x').get('a').exec();
    assert.deepEqual(res[0], [null, 'OK']);
    assert.deepEqual(res[1], [null, 2]);
    assert.equal(res[2][0].message, 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.deepEqual(res[3], [null, '2']);
    const tx = await c.multi().incr('a').get('a').exec();
    assert.deepEqual(tx, [
      [null, 3],
      [null, '3'],
    ]);
    // An error at queue time aborts the whole transaction.
    await assert.rejects(c.multi().set('b', 1).call('SET', 'onlyone').exec(), /EXECABORT Transaction discarded because of previous errors/);
    assert.equal(await c.get('b'), null);
  });

  it('WATCH aborts on a concurrent write', async () => {
    const w = c.duplicate();
    await w.set('bal', 100);
    await w.watch('bal');
    const bal = Number(await w.get('bal'));
    await c.set('bal', 1000);
    assert.equal(await w.multi().set('bal', bal - 10).exec(), null);
    assert.equal(await c.get('bal'), '1000');
    await w.watch('bal');
    assert.deepEqual(await w.multi().set('bal', 1).exec(), [[null, 'OK']]);
    await w.quit();
  });

  it('auto-pipelining keeps order', async () => {
    const ap = connect({ enableAutoPipelining: true });
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => ap.rpush('ap', i)));
    assert.deepEqual(replies, Array.from({ length: 300 }, (_, i) => i + 1));
    assert.equal(await ap.llen('ap'), 300);
    await ap.quit();
  });

  it('scanStream and hscanStream', async () => {
    const p = c.pipeline();
    for (let i = 0; i < 500; i++) p.set(`user:${i}`, i).set(`other:${i}`, i);
    await p.exec();
    const seen = new Set();
    await new Promise((resolve, reject) => {
      c.scanStream({ match: 'user:*', count: 40 })
        .on('data', (keys) => keys.forEach((k) => seen.add(k)))
        .on('end', resolve)
        .on('error', reject);
    });
    assert.equal(seen.size, 500);
    await c.hset('bh', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, i])));
    let fields = 0;
    await new Promise((resolve, reject) => {
      c.hscanStream('bh', { count: 30 })
        .on('data', (kv) => (fields += kv.length / 2))
        .on('end', resolve)
        .on('error', reject);
    });
    assert.ok(fields >= 200, `hscan returned ${fields} fields`);
  });

  it('Pub/Sub (when the server has it)', async (t) => {
    if (!(await serverCommands(c)).has('subscribe')) {
      t.skip('Pub/Sub is not implemented on this server');
      return;
    }
    const sub = c.duplicate();
    const got = new Promise((resolve) => sub.on('message', (ch, msg) => resolve([ch, msg])));
    assert.equal(await sub.subscribe('news'), 1);
    assert.equal(await c.publish('news', 'hello'), 1);
    assert.deepEqual(await got, ['news', 'hello']);
    await sub.quit();
  });

  it('Lua commands (when the server has EVAL)', async (t) => {
    if (!(await serverCommands(c)).has('eval')) {
      t.skip('EVAL is not implemented on this server');
      return;
    }
    c.defineCommand('echoKey', { numberOfKeys: 1, lua: 'return KEYS[1] .. ARGV[1]' });
    assert.equal(await c.echoKey('k', 'v'), 'kv');
  });
});
