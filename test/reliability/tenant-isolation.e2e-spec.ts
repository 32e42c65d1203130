import { TestApp, TestResponse, startTestApp } from '../support/test-app';
import { recordSecret } from '../support/secret-ledger';
import { newTenant, serviceToken, userToken } from '../support/tokens';

/**
 * The isolation matrix: every id of tenant A (vault item, API-key item, fault,
 * comment, dashboard token, short code, cursor, audit events) used by tenant B
 * on every endpoint gets exactly what an id that never existed gets — same
 * status, same message, about the same time — and A's data is untouched.
 */
describe('tenant isolation matrix', () => {
  let t: TestApp;
  const a = newTenant();
  const b = newTenant();
  const tokenA = userToken(a);
  const tokenB = userToken(b);
  const runner = serviceToken(['vault:use']);
  const fixtures: Record<string, string> = {};

  const shape = (res: TestResponse): unknown => ({ status: res.status, body: { ...(res.body as object), request_id: undefined } });

  beforeAll(async () => {
    t = await startTestApp();
    const secret = recordSecret('isolation-secret-value-0123456789');
    const item = await t.request('POST', '/workflows/vault', { token: tokenA, body: { name: 'isolation-item', secret } });
    expect(item.status).toBe(201);
    fixtures.item = item.body.id;
    const key = await t.request('POST', '/workflows/vault', { token: tokenA, body: { name: 'api-key:isolation' } });
    expect(key.status).toBe(201);
    fixtures.keyItem = key.body.id;
    fixtures.apiKey = recordSecret(key.body.api_key);
    const fault = await t.request('POST', '/fault', {
      token: tokenA,
      body: { resource_id: 'dev_iso', microservice_id: 'iso', type: 'site', severity: 'HIGH', message: 'A only', resource_ancestry_path: 'site_iso|dev_iso' },
    });
    expect(fault.status).toBe(201);
    fixtures.fault = fault.body.id;
    await t.request('POST', '/fault', { token: tokenA, body: { resource_id: 'dev_iso', microservice_id: 'iso', type: 'site', severity: 'LOW', message: 'A again' } });
    expect((await t.request('POST', `/fault/${fixtures.fault}/comment`, { token: tokenA, body: { comment: 'A comment' } })).status).toBe(201);
    const page = await t.request('GET', '/fault?limit=1', { token: tokenA });
    fixtures.cursor = page.body.meta.cursor;
    const minted = await t.request('POST', '/fault/token', { token: tokenA, body: { expire_after_minutes: 30 } });
    expect(minted.status).toBe(200);
    fixtures.dashboardToken = recordSecret(minted.body.token);
    fixtures.code = minted.body.short_link.split('/').pop();
  });
  afterAll(() => t.close());

  const absentVault = 'vlt_00000000000000000000000000';
  const absentFault = 'flt_000000000000000000000000000';
  const cases: Array<[string, (id: string) => [string, string, unknown?], () => string, string]> = [
    ['GET vault item', (id) => ['GET', `/workflows/vault/${id}`], () => fixtures.item, absentVault],
    ['PUT vault item', (id) => ['PUT', `/workflows/vault/${id}`, { name: 'stolen-name' }], () => fixtures.item, absentVault],
    ['DELETE vault item', (id) => ['DELETE', `/workflows/vault/${id}`], () => fixtures.item, absentVault],
    ['GET vault events', (id) => ['GET', `/workflows/vault/${id}/events`], () => fixtures.item, absentVault],
    ['DELETE api-key item', (id) => ['DELETE', `/workflows/vault/${id}`], () => fixtures.keyItem, absentVault],
    ['GET fault', (id) => ['GET', `/fault/${id}`], () => fixtures.fault, absentFault],
    ['PATCH fault', (id) => ['PATCH', `/fault/${id}`, { status: 'resolved' }], () => fixtures.fault, absentFault],
    ['DELETE fault', (id) => ['DELETE', `/fault/${id}`], () => fixtures.fault, absentFault],
    ['POST fault comment', (id) => ['POST', `/fault/${id}/comment`, { comment: 'B was here' }], () => fixtures.fault, absentFault],
    ['DELETE dashboard token by code', (id) => ['DELETE', `/fault/token/${id}`], () => fixtures.code, 'ZZZZZZZZZZZZ'],
  ];

  it.each(cases)('%s: another tenant sees exactly what a missing id gets', async (_name, build, ownedId, absentId) => {
    const [method, path, body] = build(ownedId());
    const [, absentPath] = build(absentId);
    const owned = await t.request(method, path, { token: tokenB, body });
    const absent = await t.request(method, absentPath, { token: tokenB, body });
    expect(owned.status).toBe(404);
    expect(shape(owned)).toEqual(shape(absent));
    expect(owned.text).not.toContain('A only');
  });

  it('takes about as long for another tenant’s id as for a missing one', async () => {
    const time = async (path: string): Promise<number> => {
      const started = process.hrtime.bigint();
      await t.request('GET', path, { token: tokenB });
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // Owned and absent requests alternate (in turn first), so a burst of load from the suite's other
    // workers slows both alike; the median of the pairs' differences is what a prober could learn.
    const medianGap = async (ownedPath: string, absentPath: string): Promise<number> => {
      const gaps: number[] = [];
      for (let i = 0; i < 41; i++) {
        if (i % 2 === 0) {
          const owned = await time(ownedPath);
          gaps.push(owned - (await time(absentPath)));
        } else {
          const absent = await time(absentPath);
          gaps.push((await time(ownedPath)) - absent);
        }
      }
      return gaps.sort((x, y) => x - y)[20];
    };
    expect(Math.abs(await medianGap(`/fault/${fixtures.fault}`, `/fault/${absentFault}`))).toBeLessThan(5);
    expect(Math.abs(await medianGap(`/workflows/vault/${fixtures.item}`, `/workflows/vault/${absentVault}`))).toBeLessThan(5);
  });

  it('refuses A’s cursor to B as it refuses a tampered one', async () => {
    const stolen = await t.request('GET', `/fault?limit=1&cursor=${encodeURIComponent(fixtures.cursor)}`, { token: tokenB });
    const tampered = await t.request('GET', `/fault?limit=1&cursor=${encodeURIComponent(`${fixtures.cursor.slice(0, -2)}AA`)}`, { token: tokenB });
    expect(stolen.status).toBe(400);
    expect(shape(stolen)).toEqual(shape(tampered));
  });

  it('never lists A’s data to B', async () => {
    const faults = await t.request('GET', '/fault?limit=100', { token: tokenB });
    expect(faults.body.data).toEqual([]);
    const items = await t.request('GET', '/workflows/vault', { token: tokenB });
    expect(items.body).toEqual([]);
    expect((await t.request('GET', '/fault/top_faults', { token: tokenB })).body).toEqual([]);
  });

  it('lets A’s dashboard token read nothing of B', async () => {
    const bFault = await t.request('POST', '/fault', { token: tokenB, body: { resource_id: 'dev_b', microservice_id: 'iso', type: 'site', severity: 'LOW', message: 'B only' } });
    expect((await t.request('GET', `/fault/${bFault.body.id}`, { token: fixtures.dashboardToken })).status).toBe(404);
    const shared = await t.request('GET', `/fault/token/${fixtures.code}`);
    expect(shared.status).toBe(200);
    expect(JSON.stringify(shared.body)).not.toContain('B only');
  });

  it('resolves for the runner only within the named tenant', async () => {
    const wrong = await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: b, names: ['isolation-item'] } });
    expect(wrong.status).toBe(404);
    expect(wrong.text).not.toContain('isolation-secret-value');
    const right = await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: a, names: ['isolation-item'] } });
    expect(right.status).toBe(200);
  });

  it('left A’s data as it was', async () => {
    const fault = await t.request('GET', `/fault/${fixtures.fault}`, { token: tokenA });
    expect(fault.status).toBe(200);
    expect(fault.body.status).toBe('unresolved');
    expect(fault.body.comments.map((c: { comment: string }) => c.comment)).toEqual(['A comment']);
    const item = await t.request('GET', `/workflows/vault/${fixtures.item}`, { token: tokenA });
    expect(item.body.name).toBe('isolation-item');
    const verify = await t.request('POST', '/internal/vault/api-keys/verify', { token: serviceToken(['vault:use']), body: { api_key: fixtures.apiKey } });
    expect(verify.body).toMatchObject({ valid: true, customer_id: a });
  });
});
