import v8 from 'node:v8';
import vm from 'node:vm';
import { Client } from 'pg';
import { Clock } from '../src/common/clock';
import { VaultPurgeService } from '../src/vault/lifecycle/vault-purge.service';
import { recordSecret } from './support/secret-ledger';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { FakeClock } from './support/fake-clock';
import { localKey, secretValue } from './support/vault-helpers';

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Vault depth: versions, recovery window, API-key rotation, tenant audit, runner scoping. */
describe('Vault depth', () => {
  let t: TestApp;
  const clock = FakeClock.running();
  const tenant = newTenant();
  const other = newTenant();
  // Valid for a day: tests move the clock by hours.
  const user = userToken(tenant, { subject: 'alice', expiresInSeconds: 86_400 });
  const otherUser = userToken(other, { subject: 'mallory', expiresInSeconds: 86_400 });
  const runner = serviceToken(['vault:use'], 'workflow-runner', undefined, 86_400);
  const secrets: string[] = [];
  const bodies: string[] = [];
  const uniq = (prefix = 'item') => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await t.request(method, path, { token, body });
    bodies.push(res.text);
    return res;
  };
  const createSecret = async (token = user, name = uniq()) => {
    const secret = secretValue('depth');
    secrets.push(secret);
    const res = await call('POST', '/workflows/vault', token, { name, secret });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, name, secret };
  };
  const createApiKey = async (token = user) => {
    const res = await t.request('POST', '/workflows/vault', { token, body: { name: `api-key:${uniq('ci')}` } });
    expect(res.status).toBe(201);
    secrets.push(recordSecret(res.body.api_key));
    return { id: res.body.id as string, apiKey: res.body.api_key as string };
  };
  /** Resolve answers values by design: only its failures join the bodies searched for secrets. */
  const resolve = async (customerId: string, names: string[], token = runner) => {
    const res = await t.request('POST', '/internal/vault/resolve', { token, body: { customer_id: customerId, names } });
    if (res.status !== 200) bodies.push(res.text);
    return res;
  };
  const verify = async (apiKey: string) => (await call('POST', '/internal/vault/api-keys/verify', runner, { api_key: apiKey })).body.valid as boolean;

  // One KMS key for every instance of this suite: the tenant's key is wrapped by it.
  const depthKey = localKey('depth');

  beforeAll(async () => {
    t = await startTestApp({
      env: { KMS_LOCAL_KEYS: depthKey.entry, VAULT_RECOVERY_DAYS: '30', VAULT_MAX_VERSIONS: '3', VAULT_PURGE_SCHEDULE: 'off', LOG_LEVEL: 'info' },
      override: (b) => b.overrideProvider(Clock).useValue(clock),
    });
  });
  afterAll(async () => {
    for (const secret of secrets) {
      for (const body of bodies) expect(body).not.toContain(secret);
      for (const line of t.logs) expect(line).not.toContain(secret);
    }
    await t.close();
  });
  beforeEach(() => {
    clock.reset();
  });

  describe('versions', () => {
    const put = async (id: string, name: string, secret: string) => {
      secrets.push(secret);
      return call('PUT', `/workflows/vault/${id}`, user, { name, secret });
    };
    const withDb = async <T>(fn: (db: Client) => Promise<T>): Promise<T> => {
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        return await fn(db);
      } finally {
        await db.end();
      }
    };

    it('replacing a value keeps the old one as a version; resolve answers the current value and its version', async () => {
      const item = await createSecret();
      const v2 = secretValue('v2');
      const res = await put(item.id, item.name, v2);
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(2);
      // A rename or expiry change is not a new version.
      expect((await call('PUT', `/workflows/vault/${item.id}`, user, { name: item.name, expires_at: '2099-01-01T00:00:00Z' })).body.version).toBe(2);
      const resolved = await resolve(tenant, [item.name]);
      expect(resolved.body).toEqual({ customer_id: tenant, secrets: { [item.name]: v2 }, versions: { [item.name]: 2 } });
      const versions = await call('GET', `/workflows/vault/${item.id}/versions`, user);
      expect(versions.status).toBe(200);
      expect(versions.body).toEqual([
        { version: 2, created_at: expect.any(String), created_by: 'user:alice', current: true },
        { version: 1, created_at: expect.any(String), created_by: 'user:alice', current: false },
      ]);
    });

    it('restores a version as a new version with that value, audited', async () => {
      const item = await createSecret();
      await put(item.id, item.name, secretValue('v2'));
      const restored = await call('POST', `/workflows/vault/${item.id}/versions/1/restore`, user);
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ id: item.id, version: 3 });
      const resolved = await resolve(tenant, [item.name]);
      expect(resolved.body.secrets[item.name]).toBe(item.secret);
      expect(resolved.body.versions[item.name]).toBe(3);
      expect((await call('GET', `/workflows/vault/${item.id}/versions`, user)).body.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
      const trail = await call('GET', `/workflows/vault/events?vault_id=${item.id}&action=restore_version`, user);
      expect(trail.body.data).toHaveLength(1);
      for (const bad of ['0', '9', 'x', '-1', '1.5', '99999999999']) {
        expect([bad, (await call('POST', `/workflows/vault/${item.id}/versions/${bad}/restore`, user)).status]).toEqual([bad, 404]);
      }
    });

    it('keeps at most VAULT_MAX_VERSIONS: older versions are erased from the database, not hidden', async () => {
      const item = await createSecret();
      for (let i = 2; i <= 5; i++) expect((await put(item.id, item.name, secretValue(`v${i}`))).body.version).toBe(i);
      expect((await call('GET', `/workflows/vault/${item.id}/versions`, user)).body.map((v: { version: number }) => v.version)).toEqual([5, 4, 3]);
      const stored = await withDb(async (db) => (await db.query('SELECT version FROM vault_item_version WHERE vault_id = $1 ORDER BY version', [item.id])).rows);
      expect(stored).toEqual([{ version: 3 }, { version: 4 }]);
      expect((await call('POST', `/workflows/vault/${item.id}/versions/2/restore`, user)).status).toBe(404);
      expect((await call('POST', `/workflows/vault/${item.id}/versions/3/restore`, user)).status).toBe(200);
    });

    it('binds each version: a version\'s sealed value copied over another version does not open', async () => {
      const item = await createSecret();
      await put(item.id, item.name, secretValue('v2'));
      await withDb((db) =>
        db.query(
          `UPDATE vault_item AS dst SET ciphertext = src.ciphertext, wrapped_key = src.wrapped_key, enc_format = src.enc_format
           FROM vault_item_version AS src WHERE src.vault_id = $1 AND src.version = 1 AND dst.id = $1`,
          [item.id],
        ),
      );
      const res = await resolve(tenant, [item.name]);
      expect(res.status).toBe(500);
      expect(res.text).not.toContain(item.secret);
    });

    it('versions and version restore belong to the tenant; API keys have none to restore; deleting erases them', async () => {
      const item = await createSecret();
      await put(item.id, item.name, secretValue('v2'));
      expect((await call('GET', `/workflows/vault/${item.id}/versions`, otherUser)).status).toBe(404);
      expect((await call('POST', `/workflows/vault/${item.id}/versions/1/restore`, otherUser)).status).toBe(404);
      expect((await call('POST', `/workflows/vault/${item.id}/versions/1/restore`, userToken(tenant, { scopes: ['vault:read'] }))).status).toBe(403);
      const key = await createApiKey();
      expect((await call('GET', `/workflows/vault/${key.id}/versions`, user)).body).toEqual([expect.objectContaining({ version: 1, current: true })]);
      expect((await call('POST', `/workflows/vault/${key.id}/versions/1/restore`, user)).status).toBe(400);
      expect((await call('DELETE', `/workflows/vault/${item.id}`, user)).status).toBe(204);
      expect((await call('GET', `/workflows/vault/${item.id}/versions`, user)).status).toBe(404);
      await withDb(async (db) => {
        await db.query(`UPDATE vault_item SET purge_at = now() - interval '1 second' WHERE id = $1`, [item.id]);
      });
      await t.app.get(VaultPurgeService).purgeDue();
      expect(await withDb(async (db) => (await db.query('SELECT count(*)::int AS n FROM vault_item_version WHERE vault_id = $1', [item.id])).rows[0].n)).toBe(0);
    });
  });

  describe('recovery window', () => {
    it('a deleted item is hidden from list, get, update, resolve and its events at once, and listed with deleted=true', async () => {
      const item = await createSecret();
      expect((await resolve(tenant, [item.name])).status).toBe(200);
      expect((await call('DELETE', `/workflows/vault/${item.id}`, user)).status).toBe(204);
      expect((await call('GET', `/workflows/vault/${item.id}`, user)).status).toBe(404);
      expect((await call('PUT', `/workflows/vault/${item.id}`, user, { name: item.name })).status).toBe(404);
      expect((await call('GET', `/workflows/vault/${item.id}/events`, user)).status).toBe(404);
      expect((await call('DELETE', `/workflows/vault/${item.id}`, user)).status).toBe(404);
      expect((await call('GET', '/workflows/vault', user)).body.map((i: { id: string }) => i.id)).not.toContain(item.id);
      expect((await resolve(tenant, [item.name])).status).toBe(404);

      const deleted = await call('GET', '/workflows/vault?deleted=true', user);
      expect(deleted.status).toBe(200);
      const row = deleted.body.find((i: { id: string }) => i.id === item.id);
      expect(row).toMatchObject({ name: item.name, kind: 'secret', version: 1 });
      expect(new Date(row.purge_at).getTime() - new Date(row.deleted_at).getTime()).toBe(30 * DAY);
      expect((await call('GET', '/workflows/vault?deleted=true', otherUser)).body).toEqual([]);
      expect((await call('GET', '/workflows/vault?deleted=maybe', user)).status).toBe(400);
      expect((await call('GET', '/workflows/vault?deleted=true&expiring_within_days=3', user)).status).toBe(400);
    });

    it('keeps the name taken, restores with its value, and only inside the window', async () => {
      const item = await createSecret();
      expect((await call('DELETE', `/workflows/vault/${item.id}`, user)).status).toBe(204);
      expect((await call('POST', '/workflows/vault', user, { name: item.name, secret: 'other' })).status).toBe(409);
      expect((await call('POST', `/workflows/vault/${item.id}/restore`, otherUser)).status).toBe(404);
      const restored = await call('POST', `/workflows/vault/${item.id}/restore`, user);
      expect(restored.status).toBe(200);
      expect(restored.body).toMatchObject({ id: item.id, name: item.name });
      expect(restored.body.deleted_at).toBeUndefined();
      expect((await call('POST', `/workflows/vault/${item.id}/restore`, user)).status).toBe(409);
      const back = await resolve(tenant, [item.name]);
      expect(back.body.secrets[item.name]).toBe(item.secret);

      expect((await call('DELETE', `/workflows/vault/${item.id}`, user)).status).toBe(204);
      // The window ends (the scheduled purge has not run yet): no restore any more.
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        await db.query(`UPDATE vault_item SET deleted_at = deleted_at - interval '31 days', purge_at = purge_at - interval '31 days' WHERE id = $1`, [item.id]);
      } finally {
        await db.end();
      }
      expect((await call('POST', `/workflows/vault/${item.id}/restore`, user)).status).toBe(404);
    });

    it('purges after the window as scheduled work, audited, and frees the name', async () => {
      const item = await createSecret();
      const keep = await createSecret();
      expect((await call('DELETE', `/workflows/vault/${item.id}`, user)).status).toBe(204);
      expect((await call('DELETE', `/workflows/vault/${keep.id}`, user)).status).toBe(204);
      const purge = t.app.get(VaultPurgeService);
      await purge.purgeDue();
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        expect((await db.query('SELECT 1 FROM vault_item WHERE id = $1', [item.id])).rowCount).toBe(1);
        // Only this item is due: move its purge time into the past.
        await db.query(`UPDATE vault_item SET purge_at = now() - interval '1 second' WHERE id = $1`, [item.id]);
        expect(await purge.purgeDue()).toBeGreaterThanOrEqual(1);
        expect((await db.query('SELECT 1 FROM vault_item WHERE id = $1', [item.id])).rowCount).toBe(0);
        expect((await db.query('SELECT 1 FROM vault_item WHERE id = $1', [keep.id])).rowCount).toBe(1);
      } finally {
        await db.end();
      }
      const events = await call('GET', `/workflows/vault/events?vault_id=${item.id}`, user);
      expect(events.body.data.map((e: { action: string }) => e.action)).toEqual(['purge', 'delete', 'create']);
      expect(events.body.data[0].actor).toBe('system:vault-purge');
      expect((await call('POST', `/workflows/vault/${item.id}/restore`, user)).status).toBe(404);
      expect((await call('POST', '/workflows/vault', user, { name: item.name, secret: 'reused' })).status).toBe(201);
    });

    it('a deleted API key stops verifying at once and verifies again after restore', async () => {
      const key = await createApiKey();
      expect(await verify(key.apiKey)).toBe(true);
      expect((await call('DELETE', `/workflows/vault/${key.id}`, user)).status).toBe(204);
      expect(await verify(key.apiKey)).toBe(false);
      expect((await call('POST', `/workflows/vault/${key.id}/restore`, user)).status).toBe(200);
      expect(await verify(key.apiKey)).toBe(true);
    });
  });

  describe('API key rotation', () => {
    it('returns the new key once (no-store); the old one verifies inside the grace and not after', async () => {
      const key = await createApiKey();
      const res = await t.request('POST', `/workflows/vault/${key.id}/rotate-key`, { token: user, body: { grace_minutes: 30 } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const fresh = recordSecret(res.body.api_key as string);
      secrets.push(fresh);
      expect(fresh).toMatch(/^wfk_/);
      expect(fresh).not.toBe(key.apiKey);
      expect(res.body).toMatchObject({ id: key.id, kind: 'api_key', version: 2 });
      expect(await verify(fresh)).toBe(true);
      expect(await verify(key.apiKey)).toBe(true);
      clock.advance(29 * MINUTE);
      expect(await verify(key.apiKey)).toBe(true);
      clock.advance(2 * MINUTE);
      expect(await verify(key.apiKey)).toBe(false);
      expect(await verify(fresh)).toBe(true);
      const got = await call('GET', `/workflows/vault/${key.id}`, user);
      expect(got.body.api_key).toBeUndefined();
      expect(got.body.version).toBe(2);
    });

    it('grace 0 ends the old key at once; the default grace is 60 minutes; a second rotation ends the first key', async () => {
      const key = await createApiKey();
      const now = await t.request('POST', `/workflows/vault/${key.id}/rotate-key`, { token: user, body: { grace_minutes: 0 } });
      secrets.push(recordSecret(now.body.api_key));
      expect(await verify(key.apiKey)).toBe(false);
      expect(await verify(now.body.api_key)).toBe(true);

      const second = await t.request('POST', `/workflows/vault/${key.id}/rotate-key`, { token: user });
      secrets.push(recordSecret(second.body.api_key));
      expect(second.status).toBe(200);
      clock.advance(59 * MINUTE);
      expect(await verify(now.body.api_key)).toBe(true);
      clock.advance(2 * MINUTE);
      expect(await verify(now.body.api_key)).toBe(false);

      const third = await t.request('POST', `/workflows/vault/${key.id}/rotate-key`, { token: user, body: { grace_minutes: 10 } });
      const fourth = await t.request('POST', `/workflows/vault/${key.id}/rotate-key`, { token: user, body: { grace_minutes: 10 } });
      secrets.push(recordSecret(third.body.api_key), recordSecret(fourth.body.api_key));
      expect(await verify(second.body.api_key)).toBe(false);
      expect(await verify(third.body.api_key)).toBe(true);
      expect(await verify(fourth.body.api_key)).toBe(true);
    });

    it('refuses bad grace values, secrets, other tenants and read-only tokens', async () => {
      const key = await createApiKey();
      const item = await createSecret();
      for (const grace_minutes of [-1, 1441, 1.5, '60', null]) {
        expect((await call('POST', `/workflows/vault/${key.id}/rotate-key`, user, { grace_minutes })).status).toBe(400);
      }
      expect((await call('POST', `/workflows/vault/${key.id}/rotate-key`, user, { grace_minutes: 5, extra: 1 })).status).toBe(400);
      expect((await call('POST', `/workflows/vault/${item.id}/rotate-key`, user, {})).status).toBe(400);
      expect((await call('POST', `/workflows/vault/${key.id}/rotate-key`, otherUser, {})).status).toBe(404);
      expect((await call('POST', `/workflows/vault/${key.id}/rotate-key`, userToken(tenant, { scopes: ['vault:read'] }), {})).status).toBe(403);
      expect((await call('POST', `/workflows/vault/${key.id}/rotate-key`, runner, {})).status).toBe(403);
      expect(await verify(key.apiKey)).toBe(true);
    });
  });

  describe('tenant audit', () => {
    const auditTenant = newTenant();
    const auditor = userToken(auditTenant, { subject: 'auditor' });
    let first: { id: string; name: string };
    let second: { id: string; name: string };

    beforeAll(async () => {
      first = await createSecret(auditor);
      second = await createSecret(auditor);
      await resolve(auditTenant, [first.name, second.name]);
      await resolve(auditTenant, ['does-not-exist']);
      await call('PUT', `/workflows/vault/${second.id}`, auditor, { name: second.name, secret: secretValue('v2') });
      await call('DELETE', `/workflows/vault/${first.id}`, auditor);
    });

    it('lists the whole trail newest first, cursor paged, never a value', async () => {
      const all = await call('GET', '/workflows/vault/events', auditor);
      expect(all.status).toBe(200);
      expect(all.body.data.map((e: { action: string; outcome: string }) => `${e.action}:${e.outcome}`)).toEqual([
        'delete:success',
        'update:success',
        'resolve:not_found',
        'resolve:success',
        'resolve:success',
        'create:success',
        'create:success',
      ]);
      expect(all.body.data[0]).toMatchObject({ vault_id: first.id, item_name: first.name, actor: 'user:auditor' });
      const ids = all.body.data.map((e: { id: string }) => e.id);
      const pages: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: Array<{ id: string }>; next_cursor: string | null } } = await call('GET', `/workflows/vault/events?limit=3${cursor ? `&cursor=${cursor}` : ''}`, auditor);
        pages.push(...page.body.data.map((e) => e.id));
        cursor = page.body.next_cursor;
      } while (cursor !== null);
      expect(pages).toEqual(ids);
    });

    it('filters by vault_id, action, outcome, from and to; refuses bad filters', async () => {
      const byItem = await call('GET', `/workflows/vault/events?vault_id=${second.id}`, auditor);
      expect(byItem.body.data.map((e: { action: string }) => e.action)).toEqual(['update', 'resolve', 'create']);
      const resolves = await call('GET', '/workflows/vault/events?action=resolve&outcome=success', auditor);
      expect(resolves.body.data).toHaveLength(2);
      const notFound = await call('GET', '/workflows/vault/events?outcome=not_found', auditor);
      expect(notFound.body.data).toEqual([expect.objectContaining({ action: 'resolve', vault_id: null, item_name: 'does-not-exist' })]);
      expect((await call('GET', '/workflows/vault/events?from=2099-01-01T00:00:00Z', auditor)).body.data).toEqual([]);
      expect((await call('GET', '/workflows/vault/events?to=2000-01-01T00:00:00Z', auditor)).body.data).toEqual([]);
      expect((await call('GET', '/workflows/vault/events?from=2000-01-01T00:00:00Z&to=2099-01-01T00:00:00Z', auditor)).body.data).toHaveLength(7);
      for (const bad of ['action=steal', 'outcome=maybe', 'vault_id=flt_1', 'from=yesterday', 'to=2099-01-01T00:00:00', 'from=2099-01-01T00:00:00Z&to=2098-01-01T00:00:00Z', 'cursor=!!', 'limit=0']) {
        expect([bad, (await call('GET', `/workflows/vault/events?${bad}`, auditor)).status]).toEqual([bad, 400]);
      }
    });

    it('is the tenant\'s own: another tenant sees none of it, even naming the item; read scope needed', async () => {
      expect((await call('GET', `/workflows/vault/events?vault_id=${second.id}`, otherUser)).body.data).toEqual([]);
      expect((await call('GET', '/workflows/vault/events', userToken(auditTenant, { scopes: ['faults:read'] }))).status).toBe(403);
      expect((await call('GET', '/workflows/vault/events', runner)).status).toBe(403);
    });

    it('streams the whole filtered trail as NDJSON', async () => {
      const res = await t.request('GET', `/workflows/vault/events?vault_id=${second.id}`, { token: auditor, headers: { accept: 'application/x-ndjson' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((e) => e.action)).toEqual(['update', 'resolve', 'create']);
      const bad = await t.request('GET', '/workflows/vault/events?action=steal', { token: auditor, headers: { accept: 'application/x-ndjson' } });
      expect(bad.status).toBe(400);
    });
  });

  describe('audit export at scale', () => {
    it('streams 100,000 events as NDJSON with flat memory', async () => {
      const bigTenant = newTenant();
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        await db.query(
          `INSERT INTO vault_event (customer_id, vault_id, item_name, action, outcome, actor, request_id, created_at)
           SELECT $1, NULL, 'item-' || (g % 500), 'resolve', 'success', 'service:workflow-runner', md5(g::text), now() - g * interval '1 second'
           FROM generate_series(1, 100000) g`,
          [bigTenant],
        );
      } finally {
        await db.end();
      }
      // Retained memory, not garbage: collect before each sample (gc exposed at runtime for this test).
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      gc();
      const before = process.memoryUsage();
      let peakHeap = before.heapUsed;
      let peakRss = before.rss;
      let ordered = true;
      const response = await fetch(`${t.baseUrl}/workflows/vault/events`, {
        headers: { authorization: `Bearer ${userToken(bigTenant)}`, accept: 'application/x-ndjson' },
      });
      expect(response.status).toBe(200);
      // Read as a client would, chunk by chunk, counting lines; never holding the whole body.
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let lines = 0;
      let rest = '';
      let lastId = Number.POSITIVE_INFINITY;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const text = rest + decoder.decode(value, { stream: true });
        const parts = text.split('\n');
        rest = parts.pop()!;
        for (const line of parts) {
          const id = Number((JSON.parse(line) as { id: string }).id.slice(4));
          if (!(id < lastId)) ordered = false; // newest first, no repeats
          lastId = id;
          lines++;
          if (lines % 5000 === 0) {
            gc();
            const now = process.memoryUsage();
            peakHeap = Math.max(peakHeap, now.heapUsed);
            peakRss = Math.max(peakRss, now.rss);
          }
        }
      }
      expect(ordered).toBe(true);
      expect(rest).toBe('');
      expect(lines).toBe(100_000);
      const mb = (n: number) => Math.round(n / 1048576);
      process.stdout.write(
        `NDJSON export of 100,000 events: heap ${mb(before.heapUsed)} -> peak ${mb(peakHeap)} MB, RSS ${mb(before.rss)} -> peak ${mb(peakRss)} MB (server and client in one process)\n`,
      );
      // The body is ~25 MB; a buffered export would hold it (and 100,000 entities) at once.
      expect(peakHeap - before.heapUsed).toBeLessThan(16 * 1048576);
    }, 120_000);
  });

  describe('runner scoping', () => {
    it('a token with customer_ids resolves its tenants only; a refusal is 403 and audited', async () => {
      const mine = await createSecret();
      const theirs = await createSecret(otherUser);
      const scoped = serviceToken(['vault:use'], 'runner-eu', [tenant]);
      const ok = await resolve(tenant, [mine.name], scoped);
      expect(ok.status).toBe(200);
      const refused = await resolve(other, [theirs.name], scoped);
      expect(refused.status).toBe(403);
      expect(refused.text).not.toContain(theirs.secret);
      const trail = await call('GET', '/workflows/vault/events?outcome=forbidden', otherUser);
      expect(trail.body.data[0]).toMatchObject({ action: 'resolve', outcome: 'forbidden', actor: 'service:runner-eu', vault_id: null });
    });

    it('a malformed customer_ids claim is an invalid token', async () => {
      const { rawToken } = await import('./support/tokens');
      const nowS = Math.floor(Date.now() / 1000);
      for (const claim of ['cus_a', [], [7], null, ['bad tenant']]) {
        const token = rawToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'runner', token_use: 'service', scopes: ['vault:use'], customer_ids: claim, iat: nowS, exp: nowS + 60 });
        expect((await resolve(tenant, ['x-name'], token)).status).toBe(401);
      }
    });

    it('SERVICE_TOKENS_REQUIRE_TENANTS=true refuses unscoped service tokens on every tenant-naming call', async () => {
      const strict = await startTestApp({ env: { KMS_LOCAL_KEYS: depthKey.entry, SERVICE_TOKENS_REQUIRE_TENANTS: 'true', VAULT_PURGE_SCHEDULE: 'off' } });
      try {
        const item = await strict.request('POST', '/workflows/vault', { token: user, body: { name: uniq('strict'), secret: 'strict-value' } });
        const resolveBody = { customer_id: tenant, names: [item.body.name] };
        expect((await strict.request('POST', '/internal/vault/resolve', { token: runner, body: resolveBody })).status).toBe(403);
        const scoped = serviceToken(['vault:use'], 'runner-eu', [tenant]);
        expect((await strict.request('POST', '/internal/vault/resolve', { token: scoped, body: resolveBody })).status).toBe(200);
        const fault = { resource_id: 'dev_1', microservice_id: 'mon', type: 'site', severity: 'LOW', message: 'down', customer_id: tenant };
        expect((await strict.request('POST', '/fault', { token: serviceToken(['faults:ingest']), body: fault })).status).toBe(403);
        expect((await strict.request('POST', '/fault', { token: serviceToken(['faults:ingest'], 'monitor', [other]), body: fault })).status).toBe(403);
        expect((await strict.request('POST', '/fault', { token: serviceToken(['faults:ingest'], 'monitor', [tenant]), body: fault })).status).toBe(201);
      } finally {
        await strict.close();
      }
    });
  });
});
