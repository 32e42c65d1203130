import { Client } from 'pg';
import { Clock } from '../src/common/clock';
import { generateApiKey } from '../src/vault/api-key';
import { VaultItemRepository } from '../src/vault/items/vault-item.repository';
import { recordSecret } from './support/secret-ledger';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { FakeClock } from './support/fake-clock';
import { localKey, secretValue } from './support/vault-helpers';

const MINUTE = 60_000;
const future = (ms = 3_600_000): string => new Date(Date.now() + ms).toISOString();

describe('Workflows Vault API', () => {
  let t: TestApp;
  const clock = FakeClock.running();
  const tenant = newTenant();
  const other = newTenant();
  const user = userToken(tenant, { subject: 'alice' });
  const otherUser = userToken(other);
  const runner = serviceToken(['vault:use']);
  const allSecrets: string[] = [];
  const bodies: string[] = [];

  const create = async (body: Record<string, unknown>, token = user) => {
    if (typeof body.secret === 'string' && body.secret.length >= 12) allSecrets.push(body.secret);
    const res = await t.request('POST', '/workflows/vault', { token, body });
    bodies.push(res.text);
    return res;
  };
  const resolve = (customerId: string, names: string[], token = runner) => t.request('POST', '/internal/vault/resolve', { token, body: { customer_id: customerId, names } });
  const verify = (apiKey: string) => t.request('POST', '/internal/vault/api-keys/verify', { token: runner, body: { api_key: apiKey } });
  const uniq = (prefix = 'item') => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

  beforeAll(async () => {
    t = await startTestApp({ env: { KMS_LOCAL_KEYS: localKey('vault').entry, LOG_LEVEL: 'info' }, override: (b) => b.overrideProvider(Clock).useValue(clock) });
  });
  afterAll(async () => {
    // No secret value in any response body other than resolve, nor in any log line.
    for (const secret of allSecrets) {
      for (const body of bodies) expect(body).not.toContain(secret);
      for (const line of t.logs) expect(line).not.toContain(secret);
    }
    await t.close();
  });
  beforeEach(() => {
    clock.reset();
  });

  describe('authentication and scopes', () => {
    it('401 without a token, 403 without the scope, 403 for the wrong kind of caller', async () => {
      expect((await t.request('GET', '/workflows/vault')).status).toBe(401);
      expect((await t.request('GET', '/workflows/vault', { token: 'not-a-jwt' })).status).toBe(401);
      expect((await t.request('GET', '/workflows/vault', { token: userToken(tenant, { scopes: ['faults:read'] }) })).status).toBe(403);
      const readOnly = userToken(tenant, { scopes: ['vault:read'] });
      expect((await t.request('GET', '/workflows/vault', { token: readOnly })).status).toBe(200);
      expect((await t.request('POST', '/workflows/vault', { token: readOnly, body: { name: 'abc', secret: 'x' } })).status).toBe(403);
      expect((await t.request('GET', '/workflows/vault', { token: runner })).status).toBe(403);
      expect((await resolve(tenant, ['abc'], user)).status).toBe(403);
      expect((await resolve(tenant, ['abc'], serviceToken(['faults:ingest']))).status).toBe(403);
      expect((await t.request('POST', '/internal/vault/api-keys/verify', { token: user, body: { api_key: 'wfk_x' } })).status).toBe(403);
      expect((await t.request('POST', '/internal/vault/resolve', { body: { customer_id: tenant, names: ['abc'] } })).status).toBe(401);
    });
  });

  describe('create', () => {
    it('accepts names of 3 and 50 characters, refuses 2 and 51', async () => {
      const base = uniq('n');
      expect((await create({ name: 'ab', secret: 'x' })).status).toBe(400);
      expect((await create({ name: `${base}${'x'.repeat(51 - base.length)}`, secret: 'x' })).status).toBe(400);
      const three = await create({ name: base.slice(0, 3) + Math.random().toString(36).slice(2, 2), secret: 'x' }, userToken(newTenant()));
      expect(three.status).toBe(201);
      const fifty = await create({ name: `${base}${'y'.repeat(50 - base.length)}`, secret: 'x' });
      expect(fifty.status).toBe(201);
      expect(fifty.body.name).toHaveLength(50);
      const bad = await create({ name: 'ab', secret: 'x' });
      expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request', errors: [expect.objectContaining({ field: 'name' })] });
    });

    it('accepts values of 1 and 2000 characters, refuses 0 and 2001, requires one for an ordinary item', async () => {
      expect((await create({ name: uniq(), secret: '' })).status).toBe(400);
      expect((await create({ name: uniq(), secret: 'z'.repeat(2001) })).status).toBe(400);
      const missing = await create({ name: uniq() });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([expect.objectContaining({ field: 'secret' })]);
      const one = await create({ name: uniq(), secret: 'q' });
      expect(one.status).toBe(201);
      const long = `${secretValue('long')}${'L'.repeat(2000)}`.slice(0, 2000);
      allSecrets.push(recordSecret(long));
      const max = await create({ name: uniq(), secret: long });
      expect(max.status).toBe(201);
      expect((await resolve(tenant, [max.body.name])).body.secrets[max.body.name]).toBe(long);
    });

    it('returns metadata only, in the API format', async () => {
      const secret = secretValue();
      const expires = future();
      const res = await create({ name: uniq(), secret, expires_at: expires });
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(['created_at', 'expires_at', 'id', 'kind', 'last_used_at', 'name', 'updated_at', 'version']);
      expect(res.body).toMatchObject({ kind: 'secret', last_used_at: null, expires_at: expires.replace(/Z$/, '000Z') });
      expect(res.body.id).toMatch(/^vlt_[0-9a-hjkmnp-tv-z]{26}$/);
      expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(res.text).not.toContain(secret);
    });

    it('refuses a past or malformed expires_at, unknown properties and malformed JSON', async () => {
      expect((await create({ name: uniq(), secret: 'x', expires_at: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
      expect((await create({ name: uniq(), secret: 'x', expires_at: 'tomorrow' })).status).toBe(400);
      expect((await create({ name: uniq(), secret: 'x', expires_at: '2999-01-01T00:00:00' })).status).toBe(400);
      expect((await create({ name: uniq(), secret: 'x', id: 'vlt_x' })).status).toBe(400);
      expect((await create({ name: uniq(), secret: 'x', customer_id: other })).status).toBe(400);
      expect((await t.request('POST', '/workflows/vault', { token: user, rawBody: '{"name":' })).status).toBe(400);
      expect((await create({ name: 42, secret: 'x' })).status).toBe(400);
      expect((await create({ name: ' padded', secret: 'x' })).status).toBe(400);
      expect((await t.request('POST', '/workflows/vault', { token: user, rawBody: JSON.stringify({ name: uniq(), secret: 'a' }).replace('"a"', '"a\\ud800b"') })).status).toBe(400);
      expect((await t.request('POST', '/workflows/vault', { token: user, rawBody: `{"name":"bad\\udc00name","secret":"x"}` })).status).toBe(400);
      expect((await create({ name: uniq('emoji'), secret: '🔑'.repeat(2000) })).status).toBe(201);
    });

    it('409 on a duplicate name within a tenant; the same name is fine in another tenant', async () => {
      const name = uniq('dup');
      expect((await create({ name, secret: 'one' })).status).toBe(201);
      const dup = await create({ name, secret: 'two' });
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
      expect((await create({ name, secret: 'three' }, otherUser)).status).toBe(201);
    });

    it('stores only ciphertext: the database holds neither the value nor the data key in the clear', async () => {
      const secret = secretValue('at-rest');
      const res = await create({ name: uniq(), secret });
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT * FROM vault_item WHERE id = $1', [res.body.id]);
        const row = rows[0];
        // The data key is wrapped by the tenant's key (format 3), the tenant's key by the KMS key.
        expect(row).toMatchObject({ enc_format: 3, kms_provider: 'tenant', kind: 'secret', api_key_hash: null });
        expect(row.kms_key_id).toMatch(/^tk_/);
        expect(JSON.stringify(row)).not.toContain(secret);
        expect(row.ciphertext.includes(Buffer.from(secret))).toBe(false);
        expect(row.wrapped_key.length).toBe(12 + 32 + 16);
        const { rows: keys } = await db.query('SELECT * FROM vault_tenant_key WHERE customer_id = $1', [row.customer_id]);
        expect(keys[0]).toMatchObject({ key_id: row.kms_key_id, kms_provider: 'local', destroyed_at: null });
        expect(keys[0].kms_key_id).toMatch(/^vault-/);
        expect(keys[0].wrapped_key.length).toBe(12 + 32 + 16);
      } finally {
        await db.end();
      }
    });
  });

  describe('read, update, delete', () => {
    it('lists the tenant’s items newest first, and only them', async () => {
      const fresh = userToken(newTenant());
      const a = await create({ name: uniq('a'), secret: 'x' }, fresh);
      const b = await create({ name: uniq('b'), secret: 'x' }, fresh);
      const list = await t.request('GET', '/workflows/vault', { token: fresh });
      expect(list.status).toBe(200);
      expect(list.body.map((i: { id: string }) => i.id)).toEqual([b.body.id, a.body.id]);
      bodies.push(list.text);
    });

    it('lists items about to expire with expiring_within_days', async () => {
      const tenant = newTenant();
      const fresh = userToken(tenant);
      const soon = await create({ name: uniq('soon'), secret: 'x', expires_at: future(2 * 86_400_000) }, fresh);
      await create({ name: uniq('later'), secret: 'x', expires_at: future(30 * 86_400_000) }, fresh);
      await create({ name: uniq('never'), secret: 'x' }, fresh);
      const res = await t.request('GET', '/workflows/vault?expiring_within_days=7', { token: fresh });
      expect(res.status).toBe(200);
      expect(res.body.map((i: { id: string }) => i.id)).toEqual([soon.body.id]);
      // A metadata read: no sealed value, wrapped key or key hash leaves the database for it.
      const rows = await t.app.get(VaultItemRepository).listExpiring(tenant, new Date(), new Date(Date.now() + 7 * 86_400_000));
      const metadata = await t.app.get(VaultItemRepository).findById(tenant, soon.body.id);
      expect(rows.map((r) => Object.keys(r).sort())).toEqual([Object.keys(metadata!).sort()]);
      for (const sealed of ['ciphertext', 'wrappedKey', 'apiKeyHash']) expect(Object.keys(rows[0])).not.toContain(sealed);
      expect((await t.request('GET', '/workflows/vault?expiring_within_days=-1', { token: fresh })).status).toBe(400);
      expect((await t.request('GET', '/workflows/vault?expiring_within_days=abc', { token: fresh })).status).toBe(400);
      expect((await t.request('GET', '/workflows/vault?expiring_within_days=3651', { token: fresh })).status).toBe(400);
    });

    it('gets one item; a malformed id or another tenant’s id is a 404 everywhere', async () => {
      const mine = await create({ name: uniq(), secret: 'x' });
      const got = await t.request('GET', `/workflows/vault/${mine.body.id}`, { token: user });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(mine.body);
      for (const [method, path, body] of [
        ['GET', `/workflows/vault/${mine.body.id}`, undefined],
        ['PUT', `/workflows/vault/${mine.body.id}`, { name: 'stolen-name' }],
        ['DELETE', `/workflows/vault/${mine.body.id}`, undefined],
        ['GET', `/workflows/vault/${mine.body.id}/events`, undefined],
      ] as const) {
        const res = await t.request(method, path, { token: otherUser, body });
        expect([method, res.status, res.body.message]).toEqual([method, 404, 'Vault item not found']);
      }
      const missing = await t.request('GET', '/workflows/vault/vlt_00000000000000000000000000', { token: user });
      expect((await t.request('GET', '/workflows/vault/not-an-id', { token: user })).body).toEqual({ ...missing.body, request_id: expect.any(String) });
      expect(missing.status).toBe(404);
      expect((await t.request('GET', `/workflows/vault/${mine.body.id}`, { token: user })).status).toBe(200);
    });

    it('updates: rename, keep or replace the value, set or clear the expiry', async () => {
      const first = secretValue('first');
      const second = secretValue('second');
      allSecrets.push(first, second);
      const item = await create({ name: uniq('upd'), secret: first });
      const renamed = uniq('renamed');
      const r1 = await t.request('PUT', `/workflows/vault/${item.body.id}`, { token: user, body: { name: renamed } });
      expect(r1.status).toBe(200);
      expect(r1.body).toMatchObject({ id: item.body.id, name: renamed, expires_at: null });
      expect((await resolve(tenant, [renamed])).body.secrets).toEqual({ [renamed]: first });
      const expires = future(86_400_000);
      const r2 = await t.request('PUT', `/workflows/vault/${item.body.id}`, { token: user, body: { name: renamed, secret: second, expires_at: expires } });
      expect(r2.status).toBe(200);
      expect(r2.body.expires_at).toBe(expires.replace(/Z$/, '000Z'));
      expect((await resolve(tenant, [renamed])).body.secrets).toEqual({ [renamed]: second });
      const r3 = await t.request('PUT', `/workflows/vault/${item.body.id}`, { token: user, body: { name: renamed } });
      expect(r3.body.expires_at).toBe(expires.replace(/Z$/, '000Z'));
      const r4 = await t.request('PUT', `/workflows/vault/${item.body.id}`, { token: user, body: { name: renamed, expires_at: null } });
      expect(r4.body.expires_at).toBeNull();
      for (const r of [r1, r2, r3, r4]) {
        bodies.push(r.text);
        expect(r.text).not.toContain(first);
        expect(r.text).not.toContain(second);
      }
    });

    it('refuses invalid updates: 400 for bad fields, 409 for a taken name', async () => {
      const a = await create({ name: uniq('a'), secret: 'x' });
      const b = await create({ name: uniq('b'), secret: 'x' });
      const put = (body: unknown) => t.request('PUT', `/workflows/vault/${a.body.id}`, { token: user, body });
      expect((await put({ name: b.body.name })).status).toBe(409);
      expect((await put({ name: a.body.name, secret: '' })).status).toBe(400);
      expect((await put({ name: a.body.name, secret: 'y'.repeat(2001) })).status).toBe(400);
      expect((await put({ name: a.body.name, secret: 'y'.repeat(2000) })).status).toBe(200);
      expect((await put({ name: 'ab' })).status).toBe(400);
      expect((await put({ name: 'x'.repeat(51) })).status).toBe(400);
      expect((await put({ secret: 'y' })).status).toBe(400);
      expect((await put({ name: a.body.name, expires_at: new Date(Date.now() - 1).toISOString() })).status).toBe(400);
      expect((await put({ name: 'api-key:sneaky' })).status).toBe(400);
    });

    it('deletes permanently: 204, then 404, and workflows can no longer resolve it', async () => {
      const item = await create({ name: uniq('del'), secret: 'x' });
      const del = await t.request('DELETE', `/workflows/vault/${item.body.id}`, { token: user });
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await t.request('DELETE', `/workflows/vault/${item.body.id}`, { token: user })).status).toBe(404);
      expect((await t.request('GET', `/workflows/vault/${item.body.id}`, { token: user })).status).toBe(404);
      expect((await resolve(tenant, [item.body.name])).status).toBe(404);
    });
  });

  describe('runner: resolve', () => {
    it('resolves many names at once and stamps last_used_at', async () => {
      const names = [uniq('r1'), uniq('r2'), uniq('r3')];
      const values = names.map((n) => secretValue(n));
      allSecrets.push(...values);
      const ids: string[] = [];
      for (let i = 0; i < names.length; i++) ids.push((await create({ name: names[i], secret: values[i] })).body.id);
      const res = await resolve(tenant, names);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ customer_id: tenant, secrets: Object.fromEntries(names.map((n, i) => [n, values[i]])), versions: Object.fromEntries(names.map((n) => [n, 1])) });
      const got = await t.request('GET', `/workflows/vault/${ids[0]}`, { token: user });
      expect(got.body.last_used_at).toMatch(/Z$/);
    });

    it('scopes names to the body’s tenant: another tenant’s names are unknown (404)', async () => {
      const mine = await create({ name: uniq('scoped'), secret: 'mine' });
      const res = await resolve(other, [mine.body.name]);
      expect(res.status).toBe(404);
      expect(res.body.message).toContain(mine.body.name);
    });

    it('404 when any name is unknown, 410 when any item has expired (all or nothing)', async () => {
      const live = await create({ name: uniq('live'), secret: 'live' });
      const expiring = await create({ name: uniq('exp'), secret: 'exp', expires_at: future(10 * MINUTE) });
      expect((await resolve(tenant, [live.body.name, 'no-such-item'])).status).toBe(404);
      expect((await resolve(tenant, [live.body.name, expiring.body.name])).status).toBe(200);
      clock.advance(11 * MINUTE);
      const gone = await resolve(tenant, [live.body.name, expiring.body.name]);
      expect(gone.status).toBe(410);
      expect(gone.body).toMatchObject({ statusCode: 410, error: 'Gone' });
      expect(gone.text).not.toContain('"secrets"');
      // Expired items stay listed, and can be revived by moving the expiry.
      const listed = await t.request('GET', `/workflows/vault/${expiring.body.id}`, { token: user });
      expect(listed.status).toBe(200);
      const revived = await t.request('PUT', `/workflows/vault/${expiring.body.id}`, { token: user, body: { name: expiring.body.name, expires_at: null } });
      expect(revived.status).toBe(200);
      expect((await resolve(tenant, [expiring.body.name])).status).toBe(200);
    });

    it('accepts 100 names, refuses 0 or 101, and validates the body', async () => {
      const fresh = newTenant();
      const token = userToken(fresh);
      const names = Array.from({ length: 100 }, (_, i) => `bulk-${String(i).padStart(3, '0')}`);
      for (const name of names) expect((await create({ name, secret: `v-${name}` }, token)).status).toBe(201);
      const res = await resolve(fresh, names);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.secrets)).toHaveLength(100);
      expect(res.body.secrets['bulk-042']).toBe('v-bulk-042');
      expect((await resolve(fresh, [...names, 'bulk-100'])).status).toBe(400);
      expect((await resolve(fresh, [])).status).toBe(400);
      expect((await t.request('POST', '/internal/vault/resolve', { token: runner, body: { names: ['abc'] } })).status).toBe(400);
      expect((await resolve(fresh, ['nul\u0000name'])).status).toBe(400);
      expect((await resolve('cus\u0000x', ['bulk-001'])).status).toBe(400);
      expect((await resolve(fresh, ['ab'])).status).toBe(400);
      expect((await resolve(fresh, ['x'.repeat(51)])).status).toBe(400);
      expect((await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: fresh, names: 'bulk-001' } })).status).toBe(400);
    });
  });

  describe('workflow API keys', () => {
    it('generates a key shown once, stores only its hash, and verifies it', async () => {
      const name = `api-key:${uniq('ci')}`;
      const res = await create({ name });
      expect(res.status).toBe(201);
      expect(res.body.kind).toBe('api_key');
      const apiKey = recordSecret(res.body.api_key as string);
      allSecrets.push(apiKey);
      expect(apiKey).toMatch(/^wfk_[0-9A-Za-z]{49}$/);
      bodies.pop(); // the one body allowed to carry it
      const got = await t.request('GET', `/workflows/vault/${res.body.id}`, { token: user });
      const list = await t.request('GET', '/workflows/vault', { token: user });
      bodies.push(got.text, list.text);
      expect(got.body.api_key).toBeUndefined();
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT api_key_hash, ciphertext, wrapped_key FROM vault_item WHERE id = $1', [res.body.id]);
        expect(rows[0]).toMatchObject({ ciphertext: null, wrapped_key: null });
        expect(rows[0].api_key_hash).toHaveLength(32);
        expect(JSON.stringify(rows[0])).not.toContain(apiKey);
      } finally {
        await db.end();
      }
      const ok = await verify(apiKey);
      expect([ok.status, ok.body]).toEqual([200, { valid: true, vault_id: res.body.id, customer_id: tenant }]);
      expect((await t.request('GET', `/workflows/vault/${res.body.id}`, { token: user })).body.last_used_at).not.toBeNull();
    });

    it('is not valid when unknown, malformed, expired or deleted', async () => {
      const invalid = { valid: false, vault_id: null, customer_id: null };
      // Verifications that match no tenant are audited under NO_TENANT (''), the tenant-first key's stand-in for null: no tenant's trail.
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      const noTenant = async (): Promise<{ none: number; nulls: number }> =>
        (
          await db.query<{ none: number; nulls: number }>(
            `SELECT count(*) FILTER (WHERE customer_id = '')::int AS none, count(*) FILTER (WHERE customer_id IS NULL)::int AS nulls FROM vault_event WHERE action = 'verify' AND outcome = 'invalid'`,
          )
        ).rows[0];
      const before = await noTenant();
      expect((await verify('wfk_nope')).body).toEqual(invalid);
      const made = await create({ name: `api-key:${uniq('tmp')}`, expires_at: future(10 * MINUTE) });
      const key = recordSecret(made.body.api_key as string);
      allSecrets.push(key);
      bodies.pop();
      const tweaked = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
      expect((await verify(tweaked)).body).toEqual(invalid);
      expect((await verify(generateApiKey())).body).toEqual(invalid);
      try {
        // Two malformed keys (recorded by the service), one well-formed key matching nothing (by the verify statement).
        expect(await noTenant()).toEqual({ none: before.none + 3, nulls: 0 });
      } finally {
        await db.end();
      }
      expect((await verify(key)).body.valid).toBe(true);
      clock.advance(11 * MINUTE);
      expect((await verify(key)).body).toEqual(invalid);
      clock.reset();
      expect((await verify(key)).body.valid).toBe(true);
      expect((await t.request('DELETE', `/workflows/vault/${made.body.id}`, { token: user })).status).toBe(204);
      expect((await verify(key)).body).toEqual(invalid);
      expect((await t.request('POST', '/internal/vault/api-keys/verify', { token: runner, body: {} })).status).toBe(400);
    });

    it('refuses a secret on create or update, keeps the prefix on rename, and cannot be resolved', async () => {
      expect((await create({ name: `api-key:${uniq()}`, secret: 'mine' })).status).toBe(400);
      expect((await create({ name: 'api-key:' })).status).toBe(400);
      expect((await create({ name: 'nul\u0000name', secret: 'x' })).status).toBe(400);
      const made = await create({ name: `api-key:${uniq('ren')}` });
      allSecrets.push(recordSecret(made.body.api_key as string));
      bodies.pop();
      const put = (body: unknown) => t.request('PUT', `/workflows/vault/${made.body.id}`, { token: user, body });
      expect((await put({ name: made.body.name, secret: 'set-it' })).status).toBe(400);
      expect((await put({ name: uniq('plain') })).status).toBe(400);
      const renamed = `api-key:${uniq('renamed')}`;
      const ok = await put({ name: renamed, expires_at: future() });
      expect(ok.status).toBe(200);
      expect(ok.body.api_key).toBeUndefined();
      expect((await verify(made.body.api_key as string)).body.valid).toBe(true);
      expect((await resolve(tenant, [renamed])).status).toBe(400);
    });
  });

  describe('audit trail', () => {
    it('records create, update, resolve and failures, newest first, paginated, without values', async () => {
      const secret = secretValue('audited');
      allSecrets.push(secret);
      const item = await create({ name: uniq('aud'), secret }, userToken(tenant, { subject: 'bob' }));
      await t.request('PUT', `/workflows/vault/${item.body.id}`, { token: user, body: { name: item.body.name, expires_at: future() } });
      const resolved = await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: [item.body.name] }, headers: { 'x-request-id': 'req-audit-1' } });
      expect(resolved.status).toBe(200);
      await resolve(tenant, [item.body.name, 'missing-one']);
      const page1 = await t.request('GET', `/workflows/vault/${item.body.id}/events?limit=2`, { token: userToken(tenant, { scopes: ['vault:read'] }) });
      expect(page1.status).toBe(200);
      bodies.push(page1.text);
      expect(page1.body.data).toEqual([
        expect.objectContaining({ action: 'resolve', outcome: 'aborted', actor: 'service:workflow-runner' }),
        expect.objectContaining({ action: 'resolve', outcome: 'success', actor: 'service:workflow-runner', request_id: 'req-audit-1' }),
      ]);
      expect(page1.body.next_cursor).toEqual(expect.any(String));
      const page2 = await t.request('GET', `/workflows/vault/${item.body.id}/events?limit=2&cursor=${page1.body.next_cursor}`, { token: user });
      expect(page2.body.data).toEqual([
        expect.objectContaining({ action: 'update', outcome: 'success', actor: 'user:alice' }),
        expect.objectContaining({ action: 'create', outcome: 'success', actor: 'user:bob', item_name: item.body.name }),
      ]);
      expect(page2.body.data[0].created_at).toMatch(/\.\d{6}Z$/);
      expect(page2.body.next_cursor).toBeNull();
      const all = await t.request('GET', `/workflows/vault/${item.body.id}/events`, { token: user });
      expect(all.body.data.map((e: { action: string }) => e.action)).toEqual(['resolve', 'resolve', 'update', 'create']);
      expect((await t.request('GET', `/workflows/vault/${item.body.id}/events?limit=101`, { token: user })).status).toBe(400);
      expect((await t.request('GET', `/workflows/vault/${item.body.id}/events?cursor=!!`, { token: user })).status).toBe(400);
      expect((await t.request('GET', `/workflows/vault/${item.body.id}/events?cursor=${Buffer.from('x').toString('base64url')}`, { token: user })).status).toBe(400);
      expect((await t.request('GET', `/workflows/vault/${item.body.id}/events`, { token: userToken(tenant, { scopes: ['vault:write'] }) })).status).toBe(403);
    });

    it('records deletes and key verifications, and keeps the trail after a delete', async () => {
      const made = await create({ name: `api-key:${uniq('audk')}` });
      const key = recordSecret(made.body.api_key as string);
      allSecrets.push(key);
      bodies.pop();
      await verify(key);
      const events = await t.request('GET', `/workflows/vault/${made.body.id}/events`, { token: user });
      expect(events.body.data.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).toEqual(['verify:success', 'create:success']);
      await t.request('DELETE', `/workflows/vault/${made.body.id}`, { token: user });
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT action, outcome, customer_id FROM vault_event WHERE vault_id = $1 ORDER BY id', [made.body.id]);
        expect(rows).toEqual([
          { action: 'create', outcome: 'success', customer_id: tenant },
          { action: 'verify', outcome: 'success', customer_id: tenant },
          { action: 'delete', outcome: 'success', customer_id: tenant },
        ]);
        const all = await db.query('SELECT * FROM vault_event WHERE customer_id = $1', [tenant]);
        const dump = JSON.stringify(all.rows);
        for (const secret of allSecrets) expect(dump).not.toContain(secret);
      } finally {
        await db.end();
      }
    });
  });

  describe('tampering in the database fails closed', () => {
    it('a sealed value copied to another item or tenant does not open', async () => {
      const victim = secretValue('victim');
      allSecrets.push(victim);
      const a = await create({ name: uniq('victim'), secret: victim });
      const b = await create({ name: uniq('attacker'), secret: 'attacker' }, otherUser);
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        await db.query(
          `UPDATE vault_item AS dst SET ciphertext = src.ciphertext, wrapped_key = src.wrapped_key, kms_key_id = src.kms_key_id, kms_key_version = src.kms_key_version
           FROM vault_item AS src WHERE src.id = $1 AND dst.id = $2`,
          [a.body.id, b.body.id],
        );
      } finally {
        await db.end();
      }
      const res = await resolve(other, [b.body.name]);
      expect(res.status).toBe(500);
      expect(res.text).not.toContain(victim);
      expect(t.logs.some((l) => l.includes(`vault item ${b.body.id} does not open`))).toBe(true);
      expect((await resolve(tenant, [a.body.name])).body.secrets[a.body.name]).toBe(victim);
    });
  });

  it('reports the KMS in readiness', async () => {
    const res = await t.request('GET', '/health/ready');
    expect(res.body.checks.kms).toEqual({ status: 'up' });
  });
});
