// Claims are rate limited per user and per client address with token buckets kept in Redis,
// so API processes share them; when Redis is down or slow each process falls back to its own
// buckets: still limited, never a 429 for everyone, never a 5xx. With both limits at 0 there
// is no Redis round trip at all.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { addressKey } from '../src/client-address.ts';
import { RateLimiter, RateLimitStoreTimeout, type RateLimitSettings } from '../src/rate-limiter.ts';
import { startApi, testConfig, type RunningApi } from './harness.ts';
import { assertProblem, until, user, type ReadAnswer } from './http-assertions.ts';
import { startPrivateRedis, type PrivateRedis } from './support.ts';

/** A refill of one token per 100 s: nothing comes back while a test runs, however slow the machine. */
const SLOW = 0.01;
const OFF = Object.freeze({ perSecond: 0, burst: 1 });

const clients: Redis[] = [];
after(() => {
  for (const client of clients) client.disconnect();
});

/** A connected client of its own (its errors are expected when its server is killed). */
async function client(url = testConfig().redisUrl): Promise<Redis> {
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  clients.push(redis);
  await redis.ping();
  return redis;
}

/** An app whose limiter is `settings` on `redis` (the seat strategy uses the shared Redis). */
async function limitedApi(
  redis: Redis | undefined,
  settings: Partial<RateLimitSettings>,
  onRedisFailure?: (error: unknown) => void,
): Promise<RunningApi> {
  return startApi('admission', {}, { rateLimiter: new RateLimiter(redis, settings, onRedisFailure) });
}

interface ClaimAnswer extends ReadAnswer {
  readonly limit: string | null;
  readonly remaining: string | null;
  readonly retryAfter: string | null;
}

async function claim(api: RunningApi, eventId: string, headers: Record<string, string>): Promise<ClaimAnswer> {
  const response = await api.request('POST', `/events/${eventId}/holds`, { body: { quantity: 1 }, headers });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text: await response.text(),
    limit: response.headers.get('ratelimit-limit'),
    remaining: response.headers.get('ratelimit-remaining'),
    retryAfter: response.headers.get('retry-after'),
  };
}

function assertRefused(answer: ClaimAnswer): void {
  assertProblem(answer, 'rate-limited');
  assert.match(answer.retryAfter ?? '', /^[1-9]\d*$/);
  assert.equal(answer.remaining, '0');
}

describe('rate limiting in Redis', () => {
  test('the user limit is shared: two API instances on one Redis refuse the third claim between them', async () => {
    const keyPrefix = `sg:rl:test-${randomUUID()}:`;
    const settings = { user: { perSecond: SLOW, burst: 2 }, address: OFF, keyPrefix };
    const first = await limitedApi(await client(), settings);
    const second = await limitedApi(await client(), settings);
    const event = await first.createEvent({ name: 'Shared limit', rows: 2, cols: 5 });
    const eager = user('eager');

    const one = await claim(first, event.id, eager);
    const two = await claim(second, event.id, eager);
    assert.deepEqual([one.status, one.remaining, two.status, two.remaining], [201, '1', 201, '0']);
    assertRefused(await claim(first, event.id, eager));
    assertRefused(await claim(second, event.id, eager));
    // Per user: someone else still gets in, on either instance.
    assert.equal((await claim(second, event.id, user('calm'))).status, 201);

    // The bucket is a Redis key that expires once it would be full again: idle buckets vanish.
    const ttl = await (await client()).pttl(`${keyPrefix}user:${eager['x-user-id']}`);
    assert.ok(ttl > 0 && ttl <= (2 / SLOW) * 1_000, `PTTL ${ttl}`);
  });

  test('the address limit counts every user from one address; X-Forwarded-For does not choose the bucket', async () => {
    const keyPrefix = `sg:rl:test-${randomUUID()}:`;
    const api = await limitedApi(await client(), { user: OFF, address: { perSecond: SLOW, burst: 3 }, keyPrefix });
    const event = await api.createEvent({ name: 'Address limit', rows: 2, cols: 5 });
    for (const name of ['a', 'b', 'c']) {
      const answer = await claim(api, event.id, user(name));
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.limit, '3');
    }
    assertRefused(await claim(api, event.id, user('d')));
    assertRefused(await claim(api, event.id, { ...user('e'), 'x-forwarded-for': '203.0.113.9' }));
    assert.ok((await (await client()).pttl(`${keyPrefix}ip:127.0.0.1`)) > 0);
  });

  test('the tighter bucket decides the headers and the refusal', async () => {
    const keyPrefix = `sg:rl:test-${randomUUID()}:`;
    const api = await limitedApi(await client(), {
      user: { perSecond: SLOW, burst: 2 },
      address: { perSecond: SLOW, burst: 5 },
      keyPrefix,
    });
    const event = await api.createEvent({ name: 'Both limits', rows: 2, cols: 5 });
    const first = await claim(api, event.id, user('x'));
    assert.deepEqual([first.limit, first.remaining], ['2', '1'], 'the user bucket (1 left) binds, not the address (4 left)');
    const greedy = user('greedy');
    await claim(api, event.id, greedy);
    await claim(api, event.id, greedy);
    const refused = await claim(api, event.id, greedy);
    assertRefused(refused);
    assert.equal(refused.limit, '2');
    // The address bucket had 5: x and greedy's two claims took three, and greedy's refused claim
    // spent one too (layered limits: each bucket is taken on its own), so y takes the last.
    const last = await claim(api, event.id, user('y'));
    assert.deepEqual([last.status, last.limit, last.remaining], [201, '5', '0']);
  });
});

describe('rate limiting when Redis is sick', () => {
  let sick: PrivateRedis;

  before(async () => {
    sick = await startPrivateRedis();
  });

  test('limits at 0: no Redis round trip, no headers', async () => {
    const redis = await client(sick.url);
    const api = await limitedApi(redis, { user: OFF, address: OFF });
    const event = await api.createEvent({ name: 'Unlimited', rows: 2, cols: 5 });
    const before = await redis.info('commandstats');
    for (let i = 0; i < 5; i++) {
      const answer = await claim(api, event.id, user('free'));
      assert.equal(answer.status, 201);
      assert.equal(answer.limit, null);
    }
    const afterward = await redis.info('commandstats');
    assert.doesNotMatch(afterward, /cmdstat_(evalsha|eval):/, 'no script ran');
    assert.equal(
      afterward.replace(/cmdstat_info:[^\r\n]*/, ''),
      before.replace(/cmdstat_info:[^\r\n]*/, ''),
      'only INFO itself was counted',
    );
  });

  test('Redis slow (CLIENT PAUSE for a minute): claims do not wait for it; this process limits them, never all', {
    timeout: 30_000,
  }, async () => {
    const paused = await startPrivateRedis();
    try {
      const failures: unknown[] = [];
      const api = await limitedApi(await client(paused.url), { user: { perSecond: SLOW, burst: 2 }, address: OFF }, (error) =>
        failures.push(error),
      );
      const event = await api.createEvent({ name: 'Slow redis', rows: 2, cols: 5 });
      await (await client(paused.url)).call('CLIENT', 'PAUSE', '60000', 'ALL');
      const slowpoke = user('slowpoke');
      const answers = [await claim(api, event.id, slowpoke), await claim(api, event.id, slowpoke), await claim(api, event.id, slowpoke)];
      assert.deepEqual(
        answers.map((a) => a.status),
        [201, 201, 429],
        'the fallback still limits',
      );
      assertRefused(answers[2]!);
      assert.equal((await claim(api, event.id, user('other'))).status, 201, 'not a 429 for everyone');
      assert.ok(failures.length >= 1 && failures.every((e) => e instanceof RateLimitStoreTimeout), 'Redis was asked, and given up on');
    } finally {
      paused.stop();
    }
  });

  test('Redis killed: claims are still served, then limited by this process; no 5xx', async () => {
    const redis = await client(sick.url);
    const keyPrefix = `sg:rl:test-${randomUUID()}:`;
    const api = await limitedApi(redis, { user: { perSecond: SLOW, burst: 3 }, address: OFF, keyPrefix });
    const event = await api.createEvent({ name: 'Redis killed', rows: 2, cols: 10 });
    const statuses: number[] = [];
    const burst = async (who: Record<string, string>, n: number) => {
      const answers: ClaimAnswer[] = [];
      for (let i = 0; i < n; i++) answers.push(await claim(api, event.id, who));
      statuses.push(...answers.map((a) => a.status));
      return answers;
    };

    const alice = user('alice');
    const shared = await burst(alice, 4);
    assert.deepEqual(
      shared.map((a) => a.status),
      [201, 201, 201, 429],
    );
    assert.ok((await redis.exists(`${keyPrefix}user:${alice['x-user-id']}`)) === 1, 'the bucket was in Redis');

    sick.stop();
    await until('the limiter sees Redis gone', async () => (redis.status === 'ready' ? undefined : true));
    // This process's buckets start afresh: Alice gets a burst again, and no more.
    const fallback = await burst(alice, 4);
    assert.deepEqual(
      fallback.map((a) => a.status),
      [201, 201, 201, 429],
    );
    assertRefused(fallback[3]!);
    assert.deepEqual(
      fallback.slice(0, 3).map((a) => [a.limit, a.remaining]),
      [
        ['3', '2'],
        ['3', '1'],
        ['3', '0'],
      ],
    );
    const bob = await burst(user('bob'), 1);
    assert.equal(bob[0]?.status, 201, 'not a 429 for everyone');
    assert.deepEqual(
      statuses.filter((s) => s >= 500),
      [],
    );
  });
});

test('addressKey: IPv4 as is, IPv4-mapped unwrapped, IPv6 by its /64', () => {
  assert.equal(addressKey('127.0.0.1'), '127.0.0.1');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002:ffff::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('2001:db8:1::'), '2001:db8:1:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  assert.equal(addressKey(undefined), 'unknown');
});
