import { DataSource } from 'typeorm';
import { TestApp, TestResponse, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';

/**
 * Every per-tenant cap against concurrent creations: each creation counts and inserts under its
 * tenant's lock, so a burst well past the cap ends exactly at the cap (the rest 409), never above.
 */
describe('per-tenant caps under concurrent creations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_caps_race_e2e', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', DB_POOL_SIZE: '20' } });
  });
  afterAll(() => t.close());

  const caps: Array<{ name: string; cap: number; burst: number; create: (token: string, i: number) => [string, object]; count: (ds: DataSource, tenant: string) => Promise<number> }> = [
    {
      name: 'webhooks',
      cap: 25,
      burst: 40,
      create: (_token, i) => ['/webhooks', { url: `http://127.0.0.1:9/hook-${i}`, events: ['*'] }],
      count: async (ds, tenant) => (await ds.query('SELECT count(*)::int AS n FROM webhooks WHERE customer_id = $1', [tenant]))[0].n,
    },
    {
      name: 'silences',
      cap: 200,
      burst: 240,
      create: (_token, i) => ['/fault/silences', { resource_id: `dev_${i}`, ends_at: new Date(Date.now() + 3_600_000).toISOString(), comment: `window ${i}` }],
      count: async (ds, tenant) => (await ds.query('SELECT count(*)::int AS n FROM fault_silences WHERE customer_id = $1', [tenant]))[0].n,
    },
  ];

  it.each(caps)('$burst concurrent $name creations stop at exactly $cap', async ({ cap, burst, create, count }) => {
    for (let round = 0; round < 2; round++) {
      const tenant = newTenant();
      const token = userToken(tenant);
      const responses = await Promise.all(Array.from({ length: burst }, (_, i) => create(token, i)).map(([path, body]) => t.request('POST', path, { token, body })));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(cap);
      expect(statuses.filter((s) => s === 409)).toHaveLength(burst - cap);
      expect(await count(t.app.get(DataSource), tenant)).toBe(cap);
      // Another tenant is not held by this one's cap.
      const [path, body] = create(userToken(newTenant()), 0);
      expect((await t.request('POST', path, { token: userToken(newTenant()), body })).status).toBe(201);
    }
  });

  it('pages the silence list: one page of every silence by default, Link rel="next" with a smaller limit', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    for (let i = 0; i < 120; i += 40) {
      await Promise.all(Array.from({ length: 40 }, (_, j) => t.request('POST', '/fault/silences', { token, body: { type: `t${i + j}`, ends_at: endsAt, comment: 'paged' } })));
    }
    const all = await t.request('GET', '/fault/silences', { token });
    expect(all.body).toHaveLength(120);
    expect(all.headers.get('link')).toBeNull();
    const seen: string[] = [];
    let next: string | null = '/fault/silences?limit=50';
    let pages = 0;
    while (next !== null) {
      const page: TestResponse = await t.request('GET', next, { token });
      expect(page.status).toBe(200);
      seen.push(...page.body.map((s: { id: string }) => s.id));
      pages++;
      next = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(all.body.map((s: { id: string }) => s.id));
    for (const cursor of ['nonsense', Buffer.from('2026-01-01T00:00:00.000Z|flt_x').toString('base64url'), 'a'.repeat(300)]) {
      const bad = await t.request('GET', `/fault/silences?cursor=${cursor}`, { token });
      expect(bad.status).toBe(400);
    }
    expect((await t.request('GET', '/fault/silences?limit=201', { token })).status).toBe(400);
  });
});
