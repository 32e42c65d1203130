import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { ScratchDatabase, createScratchDatabase } from '../support/scratch-database';
import { SpawnedService, spawnService } from '../support/spawn-service';
import { newTenant, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';

/**
 * Two instances on one fresh database, started at the same moment: migrations
 * do not collide; what one writes the other reads; a dashboard token revoked on
 * one is refused by the other within a second; rate limits hold across both, and their old windows
 * go in a job of the queue both instances share.
 */
describe('two instances on one database', () => {
  let db: ScratchDatabase;
  let a: SpawnedService;
  let b: SpawnedService;

  const admin = async <T>(url: string, work: (c: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    db = await createScratchDatabase('two');
    const env = { DATABASE_URL: db.url, DB_MIGRATIONS_RUN: 'true', RATE_LIMIT_STORE: 'postgres', RATE_LIMIT_MAX: '20', RATE_LIMIT_WINDOW_SECONDS: '3600' };
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db.drop();
  });

  const call = async (s: SpawnedService, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      redirect: 'manual',
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('applied every migration exactly once', async () => {
    const rows = await admin(db.url, (c) => c.query('SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name'));
    expect(rows.rows.length).toBeGreaterThan(0);
    expect(rows.rows.every((r: { n: number }) => r.n === 1)).toBe(true);
  });

  it('reads through one what was written through the other', async () => {
    const token = userToken(newTenant());
    const created = await call(a, 'POST', '/fault', token, {
      resource_id: 'dev_two', microservice_id: 'two-instances', type: 'site', severity: 'LOW', message: 'written on A',
    });
    expect(created.status).toBe(201);
    const read = await call(b, 'GET', `/fault/${created.body.id}`, token);
    expect(read.status).toBe(200);
    expect(read.body.message).toBe('written on A');
  });

  it('refuses on one a dashboard token revoked on the other within a second', async () => {
    const token = userToken(newTenant());
    const minted = await call(a, 'POST', '/fault/token', token, { expire_after_minutes: 60 });
    expect(minted.status).toBe(200);
    expect((await call(b, 'GET', '/fault', minted.body.token)).status).toBe(200);
    expect((await call(a, 'DELETE', `/fault/token/${minted.body.token}`, token)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await call(b, 'GET', '/fault', minted.body.token)).status).toBe(401);
    expect((await call(b, 'GET', `/fault/token/${minted.body.token}`)).status).toBe(404);
  });

  it('holds one rate limit across both instances', async () => {
    // Windows are aligned to the clock (shared by both instances): count per window, so a run crossing the
    // hour is checked as exactly as one inside it.
    const windowMs = 3600_000;
    const token = userToken(newTenant());
    const byWindow = new Map<number, number[]>();
    let straddled = false;
    for (let i = 0; i < 30; i++) {
      const before = Date.now();
      const { status } = await call(i % 2 === 0 ? a : b, 'GET', '/fault?limit=1', token);
      const window = Math.floor(before / windowMs);
      if (Math.floor(Date.now() / windowMs) !== window) straddled = true;
      byWindow.set(window, [...(byWindow.get(window) ?? []), status]);
    }
    for (const statuses of byWindow.values()) {
      const allowed = statuses.filter((s) => s === 200).length;
      expect(allowed).toBeLessThanOrEqual(20);
      if (!straddled) expect(allowed).toBe(Math.min(20, statuses.length));
      expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    }
    if (byWindow.size === 1) expect([...byWindow.values()][0].filter((s) => s === 429)).toHaveLength(10);
  });

  it('sweeps old rate-limit windows in a scheduled job of the queue both instances share', async () => {
    await db.query(`INSERT INTO rate_limit_hits (key, window_start, count) VALUES ('old-caller', now() - interval '3 hours', 5), ('recent-caller', now() - interval '30 minutes', 5)`);
    expect(await db.query(`SELECT cron, timezone FROM pgboss.schedule WHERE name = 'rate-limit-sweep'`)).toEqual([{ cron: '*/5 * * * *', timezone: 'UTC' }]);
    // What the schedule does at its slot, sent from outside both instances: one of them takes it.
    const boss = new PgBoss({ connectionString: db.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
    await boss.start();
    try {
      expect(await boss.send('rate-limit-sweep', {}, { singletonKey: 'rate-limit-sweep' })).not.toBeNull();
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    const keys = async (): Promise<string[]> => (await db.query<{ key: string }>(`SELECT key FROM rate_limit_hits WHERE key LIKE '%-caller' ORDER BY key`)).map((r) => r.key);
    await waitFor('the old window swept', async () => !(await keys()).includes('old-caller'), 20_000, 100);
    expect(await keys()).toEqual(['recent-caller']);
  });
});
