import { Client } from 'pg';
import { FAULT_PURGE_QUEUE } from '../../src/fault/core/fault-purge.service';
import { JobQueue } from '../../src/jobs/job-queue';
import { Haproxy, ensureHaproxy, startHaproxy } from '../support/haproxy';
import { RedisServer, ensureRedisServer, startRedisServer } from '../support/redis-server';
import { openSse } from '../support/sse-client';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, serviceToken, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';
import { WebhookReceiver, startReceiver } from '../support/webhook-receiver';

const haproxy = ensureHaproxy();
const redis = ensureRedisServer();
const missing = 'skip' in haproxy ? haproxy.skip : 'skip' in redis ? redis.skip : undefined;
const describeLb = missing === undefined ? describe : describe.skip;
if (missing !== undefined) console.warn(missing);

const RATE_LIMIT = 400;

interface Answer {
  status: number;
  servedBy: string | null;
  body: any;
}

/**
 * Three instances on one database behind a real HAProxy balancing round-robin request by request:
 * they behave as one service. Rate limits are shared through a Redis of the test's own.
 */
describeLb('three instances behind HAProxy', () => {
  let server: RedisServer;
  let lb: Haproxy;
  let receiver: WebhookReceiver;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    server = await startRedisServer((redis as { binary: string }).binary);
    receiver = await startReceiver();
    const env = {
      RATE_LIMIT_STORE: 'redis',
      REDIS_URL: server.url,
      RATE_LIMIT_MAX: String(RATE_LIMIT),
      RATE_LIMIT_WINDOW_SECONDS: '600',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      FAULT_TOKEN_SECRET: 'fault-token-secret-three-instances-5b7c9d1e3f',
    };
    apps.push(...(await Promise.all([0, 1, 2].map(() => startTestApp({ env })))));
    lb = await startHaproxy((haproxy as { binary: string }).binary, apps.map((a) => a.baseUrl));
  }, 120_000);
  afterAll(async () => {
    await lb?.close();
    await Promise.all(apps.map((a) => a.close()));
    await receiver?.close();
    await server?.stop();
  });

  const call = async (base: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, servedBy: res.headers.get('x-served-by'), body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  };
  const viaLb = (method: string, path: string, token?: string, body?: unknown): Promise<Answer> => call(lb.url, method, path, token, body);
  const fault = (extra: Record<string, unknown> = {}) => ({ resource_id: 'dev_lb', microservice_id: 'lb-test', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down', ...extra });
  const db = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  it('spreads requests round-robin over the three instances', async () => {
    const token = userToken(newTenant());
    const served = await Promise.all(Array.from({ length: 30 }, () => viaLb('GET', '/fault', token)));
    expect(served.every((a) => a.status === 200)).toBe(true);
    const counts = new Map<string, number>();
    for (const a of served) counts.set(a.servedBy!, (counts.get(a.servedBy!) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['s0', 's1', 's2']);
  });

  it('deduplicates exactly once: 50 concurrent reports with one dedup_key make one fault', async () => {
    const token = userToken(newTenant());
    const answers = await Promise.all(Array.from({ length: 50 }, () => viaLb('POST', '/fault', token, fault({ dedup_key: 'site-lb-wan1' }))));
    expect(new Set(answers.map((a) => a.servedBy)).size).toBe(3);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(49);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const list = await viaLb('GET', '/fault', token);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0].occurrence_count ?? 50).toBe(50);
  });

  it('a dashboard token revoked through the balancer is refused by every instance within 1 s', async () => {
    const token = userToken(newTenant());
    const minted = await viaLb('POST', '/fault/token', token, { expire_after_minutes: 10 });
    expect(minted.status).toBe(200);
    const dashboard = minted.body.token as string;
    for (const app of apps) expect((await call(app.baseUrl, 'GET', '/fault', dashboard)).status).toBe(200);
    const revokedAt = Date.now();
    expect((await viaLb('DELETE', `/fault/token/${encodeURIComponent(dashboard)}`, token)).status).toBe(204);
    await Promise.all(apps.map((app) => waitFor('the revocation on every instance', async () => (await call(app.baseUrl, 'GET', '/fault', dashboard)).status === 401, 3000, 20)));
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(1000 + 100); // the cache bound plus the polling step
  });

  it('a tenant offboarded through the balancer is refused by every instance within 1 s', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    for (const app of apps) expect((await call(app.baseUrl, 'GET', '/fault', token)).status).toBe(200);
    const offboardedAt = Date.now();
    expect((await viaLb('DELETE', `/internal/tenants/${tenant}`, serviceToken(['tenants:admin']))).status).toBe(202);
    await Promise.all(apps.map((app) => waitFor('the offboarding on every instance', async () => (await call(app.baseUrl, 'GET', '/fault', token)).status === 401, 3000, 20)));
    expect(Date.now() - offboardedAt).toBeLessThanOrEqual(1000 + 200);
  });

  it('delivers every event to the webhook exactly once, and a stream on one instance receives the events caused on the others', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    expect((await viaLb('POST', '/webhooks', token, { url: receiver.url, events: ['fault.*'] })).status).toBe(201);
    const stream = await openSse(`${apps[0].baseUrl}/fault/stream`, { authorization: `Bearer ${token}` });
    expect(stream.status).toBe(200);
    try {
      const created = await Promise.all(Array.from({ length: 15 }, (_, i) => viaLb('POST', '/fault', token, fault({ resource_id: `dev_lb_${i}` }))));
      expect(created.every((a) => a.status === 201)).toBe(true);
      expect(new Set(created.map((a) => a.servedBy)).size).toBe(3);
      const acked = await Promise.all(created.map((a) => viaLb('POST', '/fault/bulk', token, { action: 'acknowledge', ids: [a.body.id] })));
      expect(acked.every((a) => a.status === 200)).toBe(true);

      const stored = async (): Promise<string[]> => (await db<{ id: string }>('SELECT id FROM events WHERE customer_id = $1 ORDER BY xid, seq', [tenant])).map((r) => r.id);
      const expected = await waitFor('30 stored events', async () => ((await stored()).length >= 30 ? stored() : undefined), 10_000);
      const mine = () => receiver.received.filter((d) => (JSON.parse(d.body) as { data?: { fault?: { customer_id?: string } } }).data?.fault?.customer_id === tenant);
      await waitFor('every event at the webhook', () => mine().length >= expected.length, 20_000, 50);
      const ids = mine().map((d) => d.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length); // none twice
      expect(ids).toHaveLength(expected.length);

      const frames = () => stream.frames.filter((f) => f.event?.startsWith('fault.'));
      await waitFor('every event on the stream', () => frames().length >= expected.length, 10_000, 50);
      // Complete and in the stream's stable order (commit order, as the stored events' xid, seq).
      expect(frames().map((f) => f.id)).toEqual(expected);
    } finally {
      stream.close();
    }
  });

  it('runs a scheduled slot once: the three instances send the slot at the same moment, one job exists and runs', async () => {
    const before = await db<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [FAULT_PURGE_QUEUE.name]);
    const sent = await Promise.all(apps.map((app) => app.app.get(JobQueue).send(FAULT_PURGE_QUEUE.name, {}, { singletonKey: FAULT_PURGE_QUEUE.name })));
    expect(sent.filter((id) => id !== null)).toHaveLength(1);
    await waitFor('the slot to run', async () => (await db<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`, [FAULT_PURGE_QUEUE.name]))[0].n >= 1, 20_000, 100);
    const after = await db<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [FAULT_PURGE_QUEUE.name]);
    expect(after[0].n - before[0].n).toBe(1);
  });

  it('holds one rate-limit window across the three instances', async () => {
    const token = userToken(newTenant());
    const answers: Answer[] = [];
    for (let i = 0; i < RATE_LIMIT; i += 50) answers.push(...(await Promise.all(Array.from({ length: 50 }, () => viaLb('GET', '/fault', token)))));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(RATE_LIMIT);
    const over = await Promise.all(apps.map((app) => call(app.baseUrl, 'GET', '/fault', token)));
    expect(over.map((a) => a.status)).toEqual([429, 429, 429]);
  });
});
