import { Clock } from '../../src/common/clock';
import { EventStreamHub } from '../../src/events/event-stream-hub';
import { SseStream, openSse } from '../support/sse-client';
import { FakeClock } from '../support/fake-clock';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, serviceToken, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';

/**
 * A stream lives only as long as its right to exist: it ends at its token's expiry (user and
 * dashboard tokens), at the dashboard token's revocation and at its tenant's offboarding, on
 * whichever instance holds it; and a tenant, a token and an instance each hold a bounded number.
 */
const ENV = {
  JOBS_SCHEMA: 'jobs_stream_lifetime',
  STREAM_POLL_MS: '200',
  FAULT_TOKEN_CACHE_MS: '200',
  STREAM_MAX_PER_PRINCIPAL: '3',
  STREAM_MAX_PER_TENANT: '6',
  STREAM_MAX_PER_INSTANCE: '10',
};
const FAULT = { resource_id: 'dev_1', microservice_id: 'lifetime-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };
const events = (s: SseStream) => s.frames.filter((f) => f.event !== undefined);

describe('streams end when their right to exist ends; caps per token, tenant and instance', () => {
  let a: TestApp;
  let b: TestApp;
  const clock = FakeClock.running();
  const open: SseStream[] = [];

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ env: ENV, override: (builder) => builder.overrideProvider(Clock).useValue(clock) }), startTestApp({ env: ENV })]);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const stream = async (app: TestApp, path: string, headers: Record<string, string> = {}): Promise<SseStream> => {
    const s = await openSse(`${app.baseUrl}${path}`, headers);
    open.push(s);
    return s;
  };
  const dashboardCode = async (app: TestApp, token: string, minutes = 10): Promise<string> => {
    const minted = await app.request('POST', '/fault/token', { token, body: { expire_after_minutes: minutes } });
    expect(minted.status).toBe(200);
    return minted.body.short_link.split('/').pop();
  };

  it('a user stream ends within a second of its token expiring, and carries nothing after', async () => {
    const tenant = newTenant();
    const expiresAt = Date.now() + 3000;
    const shortLived = userToken(tenant, { expiresInSeconds: 3 });
    const s = await stream(b, '/fault/stream', { authorization: `Bearer ${shortLived}` });
    expect(s.status).toBe(200);
    const writer = userToken(tenant);
    await a.request('POST', '/fault', { token: writer, body: FAULT });
    await waitFor('the event before expiry', () => events(s).length === 1, 2000);
    await s.ended;
    const endedAt = Date.now();
    expect(endedAt).toBeGreaterThanOrEqual(expiresAt - 1000); // exp has second precision
    expect(endedAt - expiresAt).toBeLessThan(1500);
    await a.request('POST', '/fault', { token: writer, body: FAULT });
    expect(events(s)).toHaveLength(1);
  });

  it('a dashboard stream ends at its token\'s expiry (the instance\'s clock moved past it)', async () => {
    const tenant = newTenant();
    const code = await dashboardCode(a, userToken(tenant), 1);
    const s = await stream(a, `/fault/token/${code}/stream`);
    expect(s.status).toBe(200);
    clock.advance(61_000);
    const movedAt = Date.now();
    await s.ended;
    expect(Date.now() - movedAt).toBeLessThan(1500);
    expect((await stream(a, `/fault/token/${code}/stream`)).status).toBe(404);
  });

  it('a dashboard stream ends within a second of its revocation on another instance', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const code = await dashboardCode(a, token);
    const s = await stream(a, `/fault/token/${code}/stream`);
    expect((await b.request('DELETE', `/fault/token/${code}`, { token })).status).toBe(204);
    const revokedAt = Date.now();
    await s.ended;
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('every stream of an offboarded tenant ends, on every instance, within about a second', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const neighbour = newTenant();
    const streams = [
      await stream(a, '/fault/stream', { authorization: `Bearer ${token}` }),
      await stream(b, '/fault/stream', { authorization: `Bearer ${token}` }),
      await stream(b, `/fault/token/${await dashboardCode(b, token)}/stream`),
    ];
    const kept = await stream(b, '/fault/stream', { authorization: `Bearer ${userToken(neighbour)}` });
    expect([...streams, kept].map((s) => s.status)).toEqual([200, 200, 200, 200]);
    const res = await a.request('DELETE', `/internal/tenants/${tenant}`, { token: serviceToken(['tenants:admin']) });
    expect(res.status).toBe(202);
    const offboardedAt = Date.now();
    await Promise.all(streams.map((s) => s.ended));
    expect(Date.now() - offboardedAt).toBeLessThan(2500);
    // The neighbour's stream is untouched and still live.
    await b.request('POST', '/fault', { token: userToken(neighbour), body: FAULT });
    await waitFor('the neighbour\'s event', () => events(kept).length === 1, 2000);
  });

  it('caps: per token, per tenant (however many dashboard tokens it mints), per instance; 429 with Retry-After beyond', async () => {
    await waitFor('the earlier tests\' streams gone', () => a.app.get(EventStreamHub).openStreams === 0, 5000);
    const tenant = newTenant();
    const token = userToken(tenant, { subject: 'usr_many' });
    const perToken = await Promise.all([1, 2, 3, 4].map(() => openSse(`${a.baseUrl}/fault/stream`, { authorization: `Bearer ${token}` })));
    open.push(...perToken);
    expect(perToken.map((s) => s.status).sort()).toEqual([200, 200, 200, 429]);
    // Dashboard tokens are principals of their own, but count against the tenant's cap: 3 more fit, then 429.
    const codes = await Promise.all(Array.from({ length: 8 }, () => dashboardCode(a, token)));
    const dashboards = await Promise.all(codes.map((code) => openSse(`${a.baseUrl}/fault/token/${code}/stream`)));
    open.push(...dashboards);
    expect(dashboards.filter((s) => s.status === 200)).toHaveLength(3);
    expect(dashboards.filter((s) => s.status === 429)).toHaveLength(5);
    const refused = await fetch(`${a.baseUrl}/fault/token/${codes[7]}/stream`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ statusCode: 429, message: expect.stringContaining('per tenant') });
    // The instance holds 10: four more from other tenants, then every tenant is refused there (not on the other instance).
    const others = await Promise.all(Array.from({ length: 5 }, () => openSse(`${a.baseUrl}/fault/stream`, { authorization: `Bearer ${userToken(newTenant())}` })));
    open.push(...others);
    expect(others.map((s) => s.status).sort()).toEqual([200, 200, 200, 200, 429]);
    expect((await stream(b, '/fault/stream', { authorization: `Bearer ${userToken(newTenant())}` })).status).toBe(200);
    // A slot is given back when its stream ends.
    perToken.find((s) => s.status === 200)!.close();
    await waitFor('a freed slot', async () => (await stream(a, '/fault/stream', { authorization: `Bearer ${token}` })).status === 200, 3000);
  });
});
