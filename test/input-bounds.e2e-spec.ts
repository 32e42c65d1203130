import { nestedJson } from './support/nested-json';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';

/**
 * Input the database could not hold, or that recursive code could choke on, is a 400 naming the field — on
 * the real routes, through the one validation mechanism every DTO shares.
 */
describe('input bounds', () => {
  let t: TestApp;
  const tenant = newTenant();
  const user = userToken(tenant);
  const service = serviceToken(['faults:ingest', 'vault:use']);
  const fault = { resource_id: 'dev_1', microservice_id: 'm', type: 'site', severity: 'LOW', message: 'm' };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const expect400 = async (method: string, path: string, options: Parameters<TestApp['request']>[2], field: string): Promise<void> => {
    const res = await t.request(method, path, options);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: { statusCode: 400, request_id: expect.any(String) } });
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  };

  const withCause = (cause: string): string => JSON.stringify({ ...fault, cause: '@' }).replace('"@"', cause);

  it('refuses bodies nested deeper than 32 levels before validation, and accepts 32', async () => {
    const logsBefore = t.logs.length; // startup lines (other suites' keys in the shared database) are not this test's
    await expect400('POST', '/fault', { token: user, rawBody: withCause(nestedJson(5000)) }, 'body');
    await expect400('POST', '/fault', { token: user, rawBody: withCause(nestedJson(32)) }, 'body'); // 33 with the body itself
    await expect400('POST', '/fault', { token: user, rawBody: '['.repeat(20_000) + ']'.repeat(20_000) }, 'body');
    const res = await t.request('POST', '/fault', { token: user, rawBody: withCause(nestedJson(31)) });
    expect(res.status).toBe(400); // within the bound: an ordinary validation error, not the depth one
    expect(res.body.errors).toContainEqual({ field: 'cause', message: 'cause must be a string' });
    expect(res.body.errors.map((e: { field: string }) => e.field)).not.toContain('body');
    expect(t.logs.slice(logsBefore).filter((l) => l.includes('"level":50'))).toEqual([]);
  });

  it.each([
    ['from year 0', 'from=0000-12-31T00:00:00Z', 'from'],
    ['to beyond 9999 through its offset', 'to=9999-12-31T23:59:59-23:59', 'to'],
    ['an unparseable ISO week date', 'from=2025-W01-1', 'from'],
  ])('refuses a list filter outside years 1-9999: %s', async (_name, qs, field) => {
    await expect400('GET', `/fault?${qs}`, { token: user }, field);
  });

  it('refuses an expiry beyond 9999 (it would echo +010000-…)', async () => {
    await expect400('POST', '/workflows/vault', { token: user, body: { name: 'far-future', secret: 's', expires_at: '9999-12-31T23:59:59-23:59' } }, 'expires_at');
  });

  it('refuses a cursor whose number overflows bigint', async () => {
    const created = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'cursor-item', secret: 's' } });
    expect(created.status).toBe(201);
    const cursor = Buffer.from('9999999999999999999').toString('base64url');
    await expect400('GET', `/workflows/vault/${created.body.id}/events?cursor=${cursor}`, { token: user }, 'cursor');
  });

  it.each([
    ['secret: null on create', 'POST', '/workflows/vault', { name: 'null-secret', secret: null }, 'secret'],
    ['name: null', 'POST', '/workflows/vault', { name: null, secret: 's' }, 'name'],
    ['severity: null on update', 'PATCH', '/fault/flt_000000000000000000000000000', { severity: null }, 'severity'],
  ])('refuses null where a string is required: %s', async (_name, method, path, body, field) => {
    await expect400(method, path, { token: user, body }, field);
  });

  it('refuses customer_id: null from a service token, and accepts null where the contract allows it', async () => {
    await expect400('POST', '/fault', { token: service, body: { ...fault, customer_id: null } }, 'customer_id');
    const ok = await t.request('POST', '/fault', { token: user, body: { ...fault, cause: null, resource_ancestry_path: null } });
    expect(ok.status).toBe(201);
    const item = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'nullable-expiry', secret: 's', expires_at: null } });
    expect(item.status).toBe(201);
  });

  it('refuses NUL and lone surrogates in any text field', async () => {
    await expect400('POST', '/workflows/vault', { token: user, body: { name: 'nul-secret', secret: 'a\u0000b' } }, 'secret');
    await expect400('POST', '/fault', { token: user, body: { ...fault, message: 'a\uD800b' } }, 'message');
    await expect400('POST', '/internal/vault/resolve', { token: service, body: { customer_id: tenant, names: ['abc', 'x\u0000yz'] } }, 'names.1');
  });

  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'toLocaleString', 'prototype'])(
    'refuses the prototype-named property %s in a body and a query string',
    async (key) => {
      await expect400('POST', '/fault', { token: user, rawBody: JSON.stringify({ ...fault, [key]: 'x' }) }, key);
      await expect400('GET', `/fault?${key}=1`, { token: user }, key);
      await expect400('GET', `/workflows/vault?${key}=1`, { token: user }, key);
    },
  );

  it('refuses a __proto__ query parameter', async () => {
    const res = await t.request('GET', '/fault?__proto__=1', { token: user });
    expect(res.status).toBe(400);
  });

  it.each(['\u202E', '\u200B', '\u2066', '\uFEFF', '\u00AD', '\u0007'])('refuses a vault name with U+%s (control or format character)', async (ch) => {
    await expect400('POST', '/workflows/vault', { token: user, body: { name: `invoice${ch}fdp.exe`, secret: 's' } }, 'name');
  });

  describe('Cache-Control', () => {
    it('is no-store on every response carrying a secret or credential', async () => {
      const key = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'api-key:cache' } });
      expect(key.status).toBe(201);
      expect(key.headers.get('cache-control')).toBe('no-store');
      const minted = await t.request('POST', '/fault/token', { token: user, body: { expire_after_minutes: 5 } });
      expect(minted.headers.get('cache-control')).toBe('no-store');
      const resolved = await t.request('POST', '/internal/vault/resolve', { token: service, body: { customer_id: tenant, names: ['cursor-item'] } });
      expect(resolved.status).toBe(200);
      expect(resolved.headers.get('cache-control')).toBe('no-store');
      const verified = await t.request('POST', '/internal/vault/api-keys/verify', { token: service, body: { api_key: key.body.api_key } });
      expect(verified.headers.get('cache-control')).toBe('no-store');
    });

    it('keeps every other response out of shared caches, errors included', async () => {
      for (const res of [await t.request('GET', '/fault', { token: user }), await t.request('GET', '/fault'), await t.request('GET', '/health')]) {
        expect(res.headers.get('cache-control')).toBe('private, no-cache');
      }
    });
  });
});
