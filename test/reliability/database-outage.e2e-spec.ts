import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataSource } from '../../ormconfig';
import { DatabaseConfig } from '../../src/config/database.config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../../src/database/embedded/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/run-migrations';
import { freePort } from '../support/free-port';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';

/**
 * PostgreSQL stops under load: requests fail fast with 503, readiness turns
 * 503, liveness stays 200; PostgreSQL comes back and the service recovers by
 * itself; every write that was answered 201 is still there.
 */
describe('database outage', () => {
  let dir: string;
  let port: number;
  let pg: EmbeddedPostgresHandle;
  let t: TestApp;
  const start = (): Promise<EmbeddedPostgresHandle> =>
    startEmbeddedPostgres({ dataDir: dir, port, password: 'outage-test', database: 'outage', log: () => undefined });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-outage-'));
    fs.chmodSync(dir, 0o755);
    port = await freePort();
    pg = await start();
    const config = DatabaseConfig.fromEnv(process.env);
    const ds = await createDataSource(pg.url, config).initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
    t = await startTestApp({ env: { DATABASE_URL: pg.url, DB_CONNECT_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await t?.close();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails fast, reports not ready, recovers, and loses no acknowledged write', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const acknowledged: string[] = [];
    const outcomes: Array<{ path: string; status: number; ms: number; phase: string }> = [];
    let phase = 'before';
    let stop = false;

    const write = async (): Promise<void> => {
      while (!stop) {
        const began = Date.now();
        const res = await t.request('POST', '/fault', {
          token,
          body: { resource_id: 'dev_outage', microservice_id: 'outage-test', type: 'site', severity: 'HIGH', message: `outage probe ${Date.now()}` },
        });
        outcomes.push({ path: 'POST /fault', status: res.status, ms: Date.now() - began, phase });
        if (res.status === 201) acknowledged.push(res.body.id);
        if (res.status !== 201) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const read = async (p: string): Promise<void> => {
      while (!stop) {
        const began = Date.now();
        const res = await t.request('GET', p, { token });
        outcomes.push({ path: p, status: res.status, ms: Date.now() - began, phase });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const load = [write(), write(), read('/fault?limit=5'), read('/health'), read('/health/ready')];

    await new Promise((resolve) => setTimeout(resolve, 800));
    phase = 'outage';
    await pg.stop();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    phase = 'recovering';
    pg = await start();
    const recoveredBy = Date.now() + 15_000;
    while ((await t.request('GET', '/health/ready')).status !== 200) {
      expect(Date.now()).toBeLessThan(recoveredBy);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    phase = 'after';
    await new Promise((resolve) => setTimeout(resolve, 800));
    stop = true;
    await Promise.all(load);

    const during = outcomes.filter((o) => o.phase === 'outage');
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(5000);
    expect(during.filter((o) => o.path === '/health').every((o) => o.status === 200)).toBe(true);
    expect(during.filter((o) => o.path === '/health/ready').some((o) => o.status === 503)).toBe(true);
    const failedDbCalls = during.filter((o) => o.path !== '/health' && o.status !== 200 && o.status !== 201);
    expect(failedDbCalls.length).toBeGreaterThan(0);
    expect(failedDbCalls.filter((o) => o.status !== 503).map((o) => `${o.path} ${o.status}`)).toEqual([]);
    const after = outcomes.filter((o) => o.phase === 'after');
    expect(after.filter((o) => o.path === 'POST /fault').some((o) => o.status === 201)).toBe(true);
    expect(after.filter((o) => o.status >= 500)).toEqual([]);

    expect(acknowledged.length).toBeGreaterThan(5);
    for (const id of acknowledged) expect((await t.request('GET', `/fault/${id}`, { token })).status).toBe(200);
  });
});
