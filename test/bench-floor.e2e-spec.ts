import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from './support/free-port';
import { TestApp, startTestApp } from './support/test-app';
import { TEST_JWT_SECRET } from './support/env';
import { newTenant, userToken } from './support/tokens';

const ROOT = path.resolve(__dirname, '..');
const CURSOR_SECRET = 'bench-floor-cursor-secret-0a9b8c7d6e5f4a3b2c1d';

/**
 * The benchmark's floor (bench/floor.ts) is only a fair floor if it does the service's work: the same
 * SQL and the same JSON. Both answer the four benchmarked reads over the same data here and must agree.
 */
describe('benchmark floor answers exactly what the service answers', () => {
  let t: TestApp;
  let floor: ChildProcess;
  let floorUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { FAULT_CURSOR_SECRET: CURSOR_SECRET } });
    const port = await freePort();
    floor = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'bench', 'floor.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), JWT_SECRET: TEST_JWT_SECRET, FAULT_CURSOR_SECRET: CURSOR_SECRET },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    floorUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${floorUrl}/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline || floor.exitCode !== null) throw new Error('the floor did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    floor?.kill('SIGTERM');
    await t?.close();
  });

  it('vault read, vault list, fault page (with comments and cursor) and the shared dashboard', async () => {
    const tenant = newTenant();
    const user = userToken(tenant);
    for (let i = 0; i < 3; i++) {
      // One with an expiry carrying microseconds, which both formats must cut to milliseconds alike.
      const body = { name: `floor-${i}`, secret: `value-${i}`, ...(i === 1 ? { expires_at: '2099-01-01T12:00:00.123987Z' } : {}) };
      expect((await t.request('POST', '/workflows/vault', { token: user, body })).status).toBe(201);
    }
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.request('POST', '/fault', { token: user, body: { resource_id: `dev_${i}`, microservice_id: 'floor', type: 'wantunnel', severity: 'HIGH', message: `link ${i} down`, dedup_key: `k${i}` } });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    expect((await t.request('POST', `/fault/${ids[1]}/comment`, { token: user, body: { comment: 'looking' } })).status).toBe(201);
    expect((await t.request('PATCH', `/fault/${ids[2]}`, { token: user, body: { status: 'resolved' } })).status).toBe(200);
    const minted = await t.request('POST', '/fault/token', { token: user, body: { expire_after_minutes: 10 } });
    const code = String(minted.body.short_link).split('/').pop()!;
    const listed = await t.request('GET', '/workflows/vault', { token: user });
    expect(listed.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const vaultId = listed.body[0].id;
    // The list is JSON built by PostgreSQL; each item must read exactly as the item alone (toVaultItemDto).
    expect(listed.body.map((item: { name: string }) => item.name)).toEqual(['floor-2', 'floor-1', 'floor-0']);
    for (const item of listed.body) expect(item).toEqual((await t.request('GET', `/workflows/vault/${item.id}`, { token: user })).body);

    for (const p of [`/workflows/vault/${vaultId}`, '/workflows/vault', '/fault?limit=2', '/fault?limit=50', `/fault/token/${code}`]) {
      const headers: Record<string, string> = p.startsWith('/fault/token/') ? {} : { authorization: `Bearer ${user}` };
      const service = await fetch(`${t.baseUrl}${p}`, { headers });
      const bare = await fetch(`${floorUrl}${p}`, { headers });
      expect([p, bare.status]).toEqual([p, service.status]);
      // The same response headers, but for the request id's value and the framework's own length/date/connection.
      const names = (res: Response): string[] => [...res.headers.keys()].filter((n) => !['content-length', 'date', 'connection', 'keep-alive'].includes(n)).sort();
      expect([p, names(bare)]).toEqual([p, names(service)]);
      for (const name of names(service)) if (name !== 'x-request-id') expect([p, name, bare.headers.get(name)]).toEqual([p, name, service.headers.get(name)]);
      expect([p, await bare.json()]).toEqual([p, await service.json()]);
    }
  });
});
