import { RateLimitStore } from '../src/rate-limit/rate-limit.store';
import { RedisRateLimitStore } from '../src/rate-limit/redis-rate-limit.store';
import { RedisServer, ensureRedisServer, startRedisServer } from './support/redis-server';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';
import { waitFor } from './support/wait-for';

const redis = ensureRedisServer();
const describeRedis = 'skip' in redis ? describe.skip : describe;
if ('skip' in redis) console.warn(redis.skip);

const LIMIT = 10;

/**
 * RATE_LIMIT_STORE=redis: two instances count one window per caller through a Redis of the test's
 * own; when Redis goes away each instance counts alone (never a 500, never a wait), with one
 * warning, and shares again once Redis is back.
 */
describeRedis('rate limits shared through Redis', () => {
  let server: RedisServer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    server = await startRedisServer((redis as { binary: string }).binary);
    const env = { RATE_LIMIT_STORE: 'redis', REDIS_URL: server.url, RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_WINDOW_SECONDS: '60', LOG_LEVEL: 'info' };
    [a, b] = await Promise.all([startTestApp({ env }), startTestApp({ env })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
  });

  const storeOf = (app: TestApp): RedisRateLimitStore => app.app.get<RateLimitStore, RedisRateLimitStore>(RateLimitStore, { strict: false });
  const get = async (app: TestApp, token: string): Promise<{ status: number; ms: number; retryAfter: string | null }> => {
    const started = performance.now();
    const res = await app.request('GET', '/fault', { token });
    return { status: res.status, ms: performance.now() - started, retryAfter: res.headers.get('retry-after') };
  };

  it('one window for both instances: the 11th request is refused on either, with Retry-After', async () => {
    const token = userToken(newTenant());
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await get(i % 2 === 0 ? a : b, token)).status);
    expect(statuses).toEqual(Array(LIMIT).fill(200));
    const refusedA = await get(a, token);
    const refusedB = await get(b, token);
    expect([refusedA.status, refusedB.status]).toEqual([429, 429]);
    expect(Number(refusedB.retryAfter)).toBeGreaterThanOrEqual(1);
    // Another caller has a window of its own.
    expect((await get(b, userToken(newTenant()))).status).toBe(200);
  });

  it('Redis down: each instance counts alone, never a 500 nor a wait, one warning; shared again once it is back', async () => {
    await server.stop();
    const token = userToken(newTenant());
    const results = [];
    for (let i = 0; i < 2 * LIMIT; i++) results.push(await get(i % 2 === 0 ? a : b, token));
    // Each instance allowed its own LIMIT: 20 requests alternating, all through.
    expect(results.map((r) => r.status)).toEqual(Array(2 * LIMIT).fill(200));
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(1000);
    const third = await get(a, token);
    expect(third.status).toBe(429);
    const warnings = (app: TestApp): number => app.logs.filter((l) => l.includes('Redis is unavailable for the shared rate limit')).length;
    // One warning per instance (Nest's static logger writes both apps' lines to the last one started).
    // Each instance counted its requests alone and warned; the two apps of this process share Nest's logger,
    // which folds identical warnings, so one or two lines arrive.
    expect(storeOf(a).fallbacks).toBeGreaterThanOrEqual(LIMIT);
    expect(storeOf(b).fallbacks).toBeGreaterThanOrEqual(LIMIT);
    await waitFor('the warning', () => warnings(a) + warnings(b) >= 1, 5000);
    expect(warnings(a) + warnings(b)).toBeLessThanOrEqual(2);

    await server.start();
    const fallbacks = (): number => [a, b].reduce((n, app) => n + storeOf(app).fallbacks, 0);
    const probe = userToken(newTenant());
    await waitFor('both instances to count in Redis again', async () => {
      const before = fallbacks();
      await get(a, probe);
      await get(b, probe);
      return fallbacks() === before;
    }, 10_000, 200);
    // The window now lives in Redis: the counts of both instances add up.
    const fresh = userToken(newTenant());
    for (let i = 0; i < LIMIT; i++) expect((await get(i % 2 === 0 ? a : b, fresh)).status).toBe(200);
    expect((await get(b, fresh)).status).toBe(429);
  });
});
