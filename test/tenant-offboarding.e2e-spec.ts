import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { KmsConfig } from '../src/config/kms.config';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { EnvelopeCrypto, TenantKeyMaterial } from '../src/kms/envelope';
import { createKmsProvider } from '../src/kms/kms.factory';
import { KmsProvider } from '../src/kms/kms-provider.interface';
import { rewrapVault } from '../src/vault/keys/rewrap';
import { sealedValue } from '../src/vault/keys/sealed-value';
import { TenantKeyRow } from '../src/vault/keys/tenant-key.repository';
import { tenantKeyContext } from '../src/vault/keys/tenant-keys';
import { VaultTenantKeysService } from '../src/vault/keys/vault-tenant-keys.service';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';
import { SpawnedService, spawnService } from './support/spawn-service';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { localKey, secretValue } from './support/vault-helpers';
import { waitFor } from './support/wait-for';

interface ValueRow {
  id: string;
  version: number;
  customer_id: string;
  enc_format: number;
  kms_provider: string;
  kms_key_id: string;
  kms_key_version: string;
  wrapped_key: Buffer;
  ciphertext: Buffer;
}
/** The columns of a tenant key a backup keeps. */
type TenantKeyCopy = Omit<TenantKeyRow, 'destroyed_at'>;

/**
 * Offboarding on a database of its own: crypto-shredding (a copy of the tenant's value rows taken
 * before the offboarding opens with nothing the service still has), tokens refused at once, the
 * background deletion (complete, tenant-isolated, resumable across a killed instance).
 */
describe('tenant offboarding (DELETE /internal/tenants/{customer_id})', () => {
  let db: ScratchDatabase;
  const k1 = localKey('off1');
  const k2 = localKey('off2');
  const A = newTenant('cus_a');
  const B = newTenant('cus_b');
  const admin = serviceToken(['tenants:admin'], 'tenant-admin');
  const runner = serviceToken(['vault:use', 'faults:ingest'], 'runner');
  const userA = userToken(A);
  const userB = userToken(B);
  const valuesA = new Map<string, string>();
  const valuesB = new Map<string, string>();
  let t: TestApp;
  let backup: { values: ValueRow[]; tenantKeys: TenantKeyCopy[] };
  let dashboardA: string;

  const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> => db.query<T>(sql, params);
  /** Rows of the tenant in every table that has a customer_id (but the two kept on purpose). */
  const rowsOf = async (tenant: string): Promise<Record<string, number>> => {
    const tables = await query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'customer_id'
       AND table_name NOT IN ('tenant_offboarding', 'vault_tenant_key') ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { table_name } of tables) {
      const [{ n }] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table_name} WHERE customer_id = $1`, [tenant]);
      if (n > 0) counts[table_name] = n;
    }
    return counts;
  };
  const resolve = (tenant: string, names: string[], token = runner) => t.request('POST', '/internal/vault/resolve', { token, body: { customer_id: tenant, names } });

  beforeAll(async () => {
    db = await createScratchDatabase('offb');
    const ds = await createDataSource(db.url, DatabaseConfig.fromEnv(process.env)).initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
    t = await startTestApp({ env: { DATABASE_URL: db.url, KMS_LOCAL_KEYS: k1.entry, TENANT_OFFBOARDING_BATCH_SIZE: '2', LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await t?.close().catch(() => undefined);
    await db.drop();
  });

  it('seeds two tenants: values (one replaced, so a kept version), faults with comments, a silence, a dashboard token', async () => {
    for (const [tenant, user, values] of [
      [A, userA, valuesA],
      [B, userB, valuesB],
    ] as const) {
      for (let i = 0; i < 4; i++) {
        const name = `cred-${i}`;
        const value = secretValue(`${tenant}-${name}`);
        values.set(name, value);
        const res = await t.request('POST', '/workflows/vault', { token: user, body: { name, secret: value } });
        expect(res.status).toBe(201);
        if (i === 0) {
          const second = secretValue(`${tenant}-${name}-v2`);
          expect((await t.request('PUT', `/workflows/vault/${res.body.id}`, { token: user, body: { name, secret: second } })).status).toBe(200);
          values.set(name, second);
        }
      }
      expect((await t.request('POST', '/workflows/vault', { token: user, body: { name: 'api-key:ci' } })).status).toBe(201);
      for (let i = 0; i < 3; i++) {
        const fault = await t.request('POST', '/fault', {
          token: user,
          body: { resource_id: `dev_${i}`, microservice_id: 'mon', type: 'site', severity: 'LOW', message: 'down', resource_ancestry_path: `site_1|dev_${i}` },
          headers: { 'idempotency-key': `seed-${tenant}-${i}` },
        });
        expect(fault.status).toBe(201);
        expect((await t.request('POST', `/fault/${fault.body.id}/comment`, { token: user, body: { comment: 'looking' } })).status).toBe(201);
      }
      const silence = await t.request('POST', '/fault/silences', { token: user, body: { type: 'power', comment: 'PDU work', ends_at: new Date(Date.now() + 86_400_000).toISOString() } });
      expect(silence.status).toBe(201);
    }
    const dash = await t.request('POST', '/fault/token', { token: userA, body: { expire_after_minutes: 60 } });
    expect(dash.status).toBe(200);
    dashboardA = dash.body.token;
    expect((await t.request('GET', '/fault', { token: dashboardA })).status).toBe(200);
    // Every value is on its tenant's key (format 3), one key per tenant.
    expect(await query(`SELECT DISTINCT enc_format FROM vault_item WHERE kind = 'secret' UNION SELECT DISTINCT enc_format FROM vault_item_version`)).toEqual([{ enc_format: 3 }]);
    expect(await query(`SELECT count(*)::int AS n FROM vault_tenant_key`)).toEqual([{ n: 2 }]);
    expect((await resolve(A, [...valuesA.keys()])).body.secrets).toEqual(Object.fromEntries(valuesA));
  });

  it('refuses user tokens and service tokens without tenants:admin (403), and a malformed customer_id (400)', async () => {
    expect((await t.request('DELETE', `/internal/tenants/${A}`, { token: userA })).status).toBe(403);
    expect((await t.request('DELETE', `/internal/tenants/${A}`, { token: runner })).status).toBe(403);
    expect((await t.request('DELETE', `/internal/tenants/${A}`)).status).toBe(401);
    const scopedElsewhere = serviceToken(['tenants:admin'], 'tenant-admin', [B]);
    expect((await t.request('DELETE', `/internal/tenants/${A}`, { token: scopedElsewhere })).status).toBe(403);
    for (const bad of ['cus%20a', 'cus.a', 'x'.repeat(129), '%E2%80%AEcus']) {
      const res = await t.request('DELETE', `/internal/tenants/${bad}`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('customer_id');
    }
    // Nothing happened to A.
    expect((await t.request('GET', '/workflows/vault', { token: userA })).status).toBe(200);
  });

  it('202 destroys the tenant key first; every token of the tenant is refused at once; B is untouched', async () => {
    backup = {
      values: await query<ValueRow>(
        `SELECT id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext FROM vault_item WHERE kind = 'secret'
         UNION ALL SELECT vault_id, version, customer_id, enc_format, kms_provider, kms_key_id, kms_key_version, wrapped_key, ciphertext FROM vault_item_version`,
      ),
      tenantKeys: await query<TenantKeyCopy>('SELECT customer_id, key_id, kms_provider, kms_key_id, kms_key_version, wrapped_key FROM vault_tenant_key'),
    };
    expect(backup.values.filter((v) => v.customer_id === A)).toHaveLength(5);
    const res = await t.request('DELETE', `/internal/tenants/${A}`, { token: admin });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ customer_id: A, status: 'deleting', requested_at: expect.stringMatching(/Z$/) });
    const [key] = await query<{ wrapped_key: Buffer | null; destroyed_at: Date | null }>('SELECT wrapped_key, destroyed_at FROM vault_tenant_key WHERE customer_id = $1', [A]);
    expect(key.wrapped_key).toBeNull();
    expect(key.destroyed_at).not.toBeNull();

    expect((await t.request('GET', '/workflows/vault', { token: userA })).status).toBe(401);
    expect((await t.request('GET', '/fault', { token: userA })).status).toBe(401);
    expect((await t.request('GET', '/fault', { token: dashboardA })).status).toBe(401);
    expect((await t.request('GET', `/fault/token/${dashboardA}`)).status).toBe(404);
    expect((await resolve(A, ['cred-1'])).status).toBe(404);
    const ingest = await t.request('POST', '/fault', {
      token: runner,
      body: { customer_id: A, resource_id: 'dev_9', microservice_id: 'mon', type: 'site', severity: 'LOW', message: 'down' },
    });
    expect(ingest.status).toBe(404);

    expect((await resolve(B, [...valuesB.keys()])).body.secrets).toEqual(Object.fromEntries(valuesB));
    expect((await t.request('GET', '/workflows/vault', { token: userB })).status).toBe(200);

    // Idempotent: the same offboarding's state again.
    const again = await t.request('DELETE', `/internal/tenants/${A}`, { token: admin });
    expect(again.status).toBe(202);
    expect(again.body.requested_at).toBe(res.body.requested_at);
  });

  /** Tries to open a backed-up value with a tenant key (or, for formats 1/2, the KMS provider). */
  const tryOpen = async (kms: KmsProvider, row: ValueRow, tenantKey: TenantKeyMaterial | null): Promise<string | null> => {
    const envelope = new EnvelopeCrypto(kms);
    const sealed = sealedValue(row.enc_format, row.kms_provider, row.kms_key_id, row.kms_key_version, row.wrapped_key, row.ciphertext);
    try {
      return await envelope.open(sealed, { tenant: row.customer_id, item: row.id, version: row.version }, async () => {
        if (tenantKey === null) throw new Error('no key');
        return tenantKey;
      });
    } catch {
      return null;
    }
  };
  const liveTenantKeys = async (kms: KmsProvider): Promise<TenantKeyMaterial[]> => {
    const keys: TenantKeyMaterial[] = [];
    for (const row of await query<TenantKeyCopy>('SELECT customer_id, key_id, kms_provider, kms_key_id, kms_key_version, wrapped_key FROM vault_tenant_key WHERE wrapped_key IS NOT NULL')) {
      const material = await kms.unwrapKey(
        { provider: row.kms_provider as 'local', keyId: row.kms_key_id!, keyVersion: row.kms_key_version!, ciphertext: row.wrapped_key! },
        tenantKeyContext(row.customer_id, row.key_id),
      );
      keys.push({ keyId: row.key_id, material });
    }
    return keys;
  };

  it("crypto-shredding: no key the service still has opens A's backed-up values; B's open", async () => {
    const kms = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: k1.entry }), () => undefined);
    try {
      const live = await liveTenantKeys(kms);
      expect(live).toHaveLength(1); // B's: A's key is gone from the database
      const backedUpA = backup.values.filter((v) => v.customer_id === A);
      for (const row of backedUpA) {
        // Every live tenant key (B's), the KMS provider directly, and no key at all: none opens it.
        for (const key of [...live, null]) expect(await tryOpen(kms, row, key)).toBeNull();
        // A's data key is not a KMS-wrapped key: the provider refuses it under any context.
        await expect(kms.unwrapKey({ ...k1Ref(kms), ciphertext: row.wrapped_key }, { tenant: A, item: row.id })).rejects.toThrow();
      }
      const openedB = await Promise.all(backup.values.filter((v) => v.customer_id === B).map((row) => tryOpen(kms, row, live[0])));
      expect(openedB.every((v) => v !== null)).toBe(true);
      expect(openedB).toEqual(expect.arrayContaining([...valuesB.values()]));
    } finally {
      await kms.close();
    }
  });

  it("a backup that also holds A's wrapped tenant key is shredded by the next provider-key rotation (old key removed)", async () => {
    const aKey = backup.tenantKeys.find((k) => k.customer_id === A)!;
    const ring = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: `${k1.entry},${k2.entry}` }), () => undefined);
    const ds = await createDataSource(db.url, DatabaseConfig.fromEnv(process.env)).initialize();
    try {
      // While k1 exists, the backed-up tenant key row still unwraps: this is what the rotation ends.
      await expect(ring.unwrapKey({ provider: 'local', keyId: aKey.kms_key_id!, keyVersion: aKey.kms_key_version!, ciphertext: aKey.wrapped_key! }, tenantKeyContext(A, aKey.key_id))).resolves.toBeInstanceOf(Buffer);
      const result = await rewrapVault(ds, ring, { batchSize: 10, pauseMs: 0 });
      expect(result).toMatchObject({ rewrapped: 1, tenantKeys: 1, failed: 0 }); // B's tenant key: one per tenant, not one per value
    } finally {
      await ds.destroy();
      await ring.close();
    }
    const onlyK2 = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: k2.entry }), () => undefined);
    try {
      await expect(onlyK2.unwrapKey({ provider: 'local', keyId: aKey.kms_key_id!, keyVersion: aKey.kms_key_version!, ciphertext: aKey.wrapped_key! }, tenantKeyContext(A, aKey.key_id))).rejects.toThrow();
      const live = await liveTenantKeys(onlyK2);
      for (const row of backup.values.filter((v) => v.customer_id === A)) expect(await tryOpen(onlyK2, row, live[0])).toBeNull();
      for (const row of backup.values.filter((v) => v.customer_id === B)) expect(await tryOpen(onlyK2, row, live[0])).not.toBeNull();
    } finally {
      await onlyK2.close();
    }
    // The service on k2 alone: B resolves.
    await t.close();
    t = await startTestApp({ env: { DATABASE_URL: db.url, KMS_LOCAL_KEYS: k2.entry, TENANT_OFFBOARDING_BATCH_SIZE: '2', LOG_LEVEL: 'info' } });
    expect((await resolve(B, [...valuesB.keys()])).body.secrets).toEqual(Object.fromEntries(valuesB));
    expect((await t.request('GET', '/workflows/vault', { token: userA })).status).toBe(401);
  });

  it('another instance refuses the tenant within about a second, and drops its cached tenant key', async () => {
    const D = newTenant('cus_d');
    const userD = userToken(D);
    const other = await startTestApp({ env: { DATABASE_URL: db.url, KMS_LOCAL_KEYS: k2.entry, LOG_LEVEL: 'info' } });
    try {
      const value = secretValue('d');
      expect((await other.request('POST', '/workflows/vault', { token: userD, body: { name: 'd-1', secret: value } })).status).toBe(201);
      // The other instance has D's key in memory now (it wrote with it).
      expect((await other.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: D, names: ['d-1'] } })).body.secrets).toEqual({ 'd-1': value });
      expect((await t.request('DELETE', `/internal/tenants/${D}`, { token: admin })).status).toBe(202);
      const started = Date.now();
      await waitFor('the other instance to refuse D', async () => (await other.request('GET', '/workflows/vault', { token: userD })).status === 401, 5_000, 100);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(3_000);
      expect((await other.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: D, names: ['d-1'] } })).status).toBe(404);
      const store = other.app.get(VaultTenantKeysService).store;
      expect(store.size).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('the background deletion leaves no row of A in any table; B keeps all of its rows', async () => {
    const before = await rowsOf(B);
    await waitFor('A deleted', async () => (await query<{ state: string }>('SELECT state FROM tenant_offboarding WHERE customer_id = $1', [A]))[0]?.state === 'deleted', 60_000, 100);
    expect(await rowsOf(A)).toEqual({});
    expect(await rowsOf(B)).toEqual(before);
    const [row] = await query<{ progress: Record<string, number> }>('SELECT progress FROM tenant_offboarding WHERE customer_id = $1', [A]);
    expect(row.progress).toMatchObject({ vault_item: 5, vault_item_version: 1, faults: 3, fault_comments: 3, fault_silences: 1 });
    const again = await t.request('DELETE', `/internal/tenants/${A}`, { token: admin });
    expect(again.body.status).toBe('deleted');
  });

  it('is resumable: an instance killed mid-deletion of 50,000 faults leaves it to the next, which finishes', async () => {
    const C = newTenant('cus_c');
    await query(
      `INSERT INTO faults (id, customer_id, resource_id, microservice_id, type, status, severity, message, resource_ancestry_path, created_at, updated_at, ttl)
       SELECT 'flt_' || substr(md5(random()::text || g), 1, 27), $1, 'dev_' || (g % 7), 'seed', 'site', 'unresolved', 'LOW', 'down', NULL, now(), now(), 4102444800
       FROM generate_series(1, 50000) AS g`,
      [C],
    );
    const env = { DATABASE_URL: db.url, KMS_LOCAL_KEYS: k2.entry, TENANT_OFFBOARDING_BATCH_SIZE: '500' };
    let service: SpawnedService = await spawnService(env);
    try {
      const res = await fetch(`${service.url}/internal/tenants/${C}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(202);
      const progress = async () => (await query<{ n: number }>(`SELECT COALESCE((progress->>'faults')::int, 0) AS n FROM tenant_offboarding WHERE customer_id = $1`, [C]))[0].n;
      await waitFor('a first batch', async () => (await progress()) > 0, 60_000, 100);
      expect(await service.stop('SIGKILL')).toBeNull();
      const left = (await query<{ n: number }>('SELECT count(*)::int AS n FROM faults WHERE customer_id = $1', [C]))[0].n;
      expect(left).toBeGreaterThan(0);
      expect((await query<{ state: string }>('SELECT state FROM tenant_offboarding WHERE customer_id = $1', [C]))[0].state).toBe('deleting');

      service = await spawnService(env);
      await waitFor('C deleted', async () => (await query<{ state: string }>('SELECT state FROM tenant_offboarding WHERE customer_id = $1', [C]))[0]?.state === 'deleted', 120_000, 100);
      expect(await rowsOf(C)).toEqual({});
      expect(await progress()).toBe(50_000);
      // The restarted instance refuses C from its first answer.
      const user = await fetch(`${service.url}/fault`, { headers: { authorization: `Bearer ${userToken(C)}` } });
      expect(user.status).toBe(401);
    } finally {
      await service.stop();
    }
  }, 180_000);
});

/** The KMS provider's active key reference (to hand it A's tenant-wrapped data key as if it were its own). */
function k1Ref(kms: KmsProvider): { provider: 'local'; keyId: string; keyVersion: string } {
  const ref = kms.activeKey();
  return { provider: 'local', keyId: ref.keyId, keyVersion: ref.keyVersion };
}
