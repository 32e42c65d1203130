import { createCipheriv, randomBytes } from 'node:crypto';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { KmsConfig } from '../src/config/kms.config';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { valueAad } from '../src/kms/envelope';
import { createKmsProvider } from '../src/kms/kms.factory';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { runScript } from './support/run-script';
import { localKey, secretValue } from './support/vault-helpers';



/**
 * Moving stored values onto tenant keys, online: format-1/2 values of several tenants (current
 * values and kept versions), the migration SIGKILLed after its first batch while the service
 * serves, rerun; every value opens with its original secret; then a provider-key rotation
 * re-wraps one key per tenant.
 */
describe('vault tenant keys: migration and per-tenant rotation', () => {
  let db: ScratchDatabase;
  const k1 = localKey('tkm1');
  const k2 = localKey('tkm2');
  const tenants = [newTenant(), newTenant(), newTenant()];
  const runner = serviceToken(['vault:use']);
  /** tenant → name → current value; and the first value of each replaced item. */
  const values = new Map<string, Map<string, string>>();
  const firstValues = new Map<string, { tenant: string; name: string; id: string; value: string }>();
  const apps: TestApp[] = [];

  const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> => db.query<T>(sql, params);
  const start = async (env: Record<string, string>): Promise<TestApp> => {
    const t = await startTestApp({ env: { DATABASE_URL: db.url, LOG_LEVEL: 'info', ...env } });
    apps.push(t);
    return t;
  };
  const formats = async () =>
    (
      await query<{ enc_format: number; n: number }>(
        `SELECT enc_format, count(*)::int AS n FROM (SELECT enc_format FROM vault_item WHERE kind = 'secret' UNION ALL SELECT enc_format FROM vault_item_version) s GROUP BY 1 ORDER BY 1`,
      )
    ).map((r) => `${r.enc_format}=${r.n}`);
  const resolveEverything = async (t: TestApp): Promise<void> => {
    for (const tenant of tenants) {
      const res = await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: [...values.get(tenant)!.keys()] } });
      expect(res.status).toBe(200);
      expect(res.body.secrets).toEqual(Object.fromEntries(values.get(tenant)!));
    }
  };

  beforeAll(async () => {
    db = await createScratchDatabase('tkm');
    const ds = await createDataSource(db.url, DatabaseConfig.fromEnv(process.env)).initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
  });
  afterAll(async () => {
    for (const t of apps) await t.close().catch(() => undefined);
    await db.drop();
  });

  it('seeds format-2 values (per-value wrapping, as before tenant keys) and a few format-1 values', async () => {
    const t = await start({ KMS_LOCAL_KEYS: k1.entry, VAULT_TENANT_KEYS: 'false' });
    for (const tenant of tenants) {
      const user = userToken(tenant);
      const own = new Map<string, string>();
      values.set(tenant, own);
      for (let i = 0; i < 8; i++) {
        const name = `m-${i}`;
        const value = secretValue(`${tenant}-${name}`);
        const res = await t.request('POST', '/workflows/vault', { token: user, body: { name, secret: value } });
        expect(res.status).toBe(201);
        own.set(name, value);
        if (i < 2) {
          const next = secretValue(`${tenant}-${name}-v2`);
          expect((await t.request('PUT', `/workflows/vault/${res.body.id}`, { token: user, body: { name, secret: next } })).status).toBe(200);
          firstValues.set(`${tenant}/${name}`, { tenant, name, id: res.body.id, value });
          own.set(name, next);
        }
      }
    }
    // Format 1 (tenant and item bound, no version), as values written before versions existed are stored.
    const kms = createKmsProvider(KmsConfig.fromEnv({ KMS_LOCAL_KEYS: k1.entry }), () => undefined);
    try {
      for (const tenant of tenants) {
        const [{ id }] = await query<{ id: string }>(`SELECT id FROM vault_item WHERE customer_id = $1 AND name = 'm-7'`, [tenant]);
        const value = values.get(tenant)!.get('m-7')!;
        const dataKey = await kms.generateDataKey({ tenant, item: id });
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv, { authTagLength: 16 });
        cipher.setAAD(valueAad(1, { tenant, item: id, version: 1 }));
        const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
        await query(`UPDATE vault_item SET enc_format = 1, wrapped_key = $2, ciphertext = $3 WHERE id = $1`, [id, dataKey.wrapped.ciphertext, Buffer.concat([iv, body, cipher.getAuthTag()])]);
        dataKey.plaintext.fill(0);
      }
    } finally {
      await kms.close();
    }
    expect(await formats()).toEqual(['1=3', '2=27']);
    await resolveEverything(t);
    await t.close();
    apps.splice(0);
  });

  it('two concurrent first writes of one tenant agree on one tenant key', async () => {
    const [a, b] = [await start({ KMS_LOCAL_KEYS: k1.entry }), await start({ KMS_LOCAL_KEYS: k1.entry })];
    const tenant = tenants[0];
    const user = userToken(tenant);
    const [x, y] = [secretValue('race-x'), secretValue('race-y')];
    const [rx, ry] = await Promise.all([
      a.request('POST', '/workflows/vault', { token: user, body: { name: 'race-x', secret: x } }),
      b.request('POST', '/workflows/vault', { token: user, body: { name: 'race-y', secret: y } }),
    ]);
    expect([rx.status, ry.status]).toEqual([201, 201]);
    values.get(tenant)!.set('race-x', x).set('race-y', y);
    expect(await query('SELECT count(*)::int AS n FROM vault_tenant_key WHERE customer_id = $1', [tenant])).toEqual([{ n: 1 }]);
    expect(await query(`SELECT count(DISTINCT kms_key_id)::int AS n FROM vault_item WHERE customer_id = $1 AND enc_format = 3`, [tenant])).toEqual([{ n: 1 }]);
    await resolveEverything(a);
    await resolveEverything(b);
    await b.close();
    apps.splice(1);
  });

  it('migrates online: SIGKILLed after its first batch while the service serves, rerun, every value opens with its original secret', async () => {
    const t = apps[0];
    const env = { DATABASE_URL: db.url, KMS_LOCAL_KEYS: k1.entry };
    let serving = true;
    const served: number[] = [];
    const traffic = (async () => {
      while (serving) {
        for (const tenant of tenants) {
          served.push((await t.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: [...values.get(tenant)!.keys()] } })).status);
        }
      }
    })();
    const killed = await runScript('vault-tenant-keys.ts', env, ['--batch-size', '4', '--pause-ms', '200'], /batch 1:/);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.output.join('\n')).toMatch(/vault:tenant-keys: batch 1: 4\/30 done \(4 moved to tenant keys/);
    const midway = await formats();
    expect(midway).not.toEqual(['3=32']);
    const started = Date.now();
    const rerun = await runScript('vault-tenant-keys.ts', env, ['--batch-size', '7']);
    const seconds = (Date.now() - started) / 1000;
    serving = false;
    await traffic;
    expect(rerun.code).toBe(0);
    expect(rerun.output.join('\n')).toMatch(/finished in [\d.]+ s: \d+ moved to tenant keys, 0 changed meanwhile, 0 of offboarded tenants, 0 failed; 0 still in formats 1\/2/);
    console.log(`vault:tenant-keys rerun over ${midway.join(', ')} took ${seconds.toFixed(1)} s (including ts-node start-up)`);
    expect(await formats()).toEqual(['3=32']);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((s) => s === 200)).toBe(true);
    await resolveEverything(t);
    // Kept versions were moved too: restoring a first value opens it under the tenant key.
    for (const { tenant, name, id, value } of firstValues.values()) {
      expect((await t.request('POST', `/workflows/vault/${id}/versions/1/restore`, { token: userToken(tenant) })).status).toBe(200);
      values.get(tenant)!.set(name, value);
    }
    await resolveEverything(t);
    // Nothing double-wrapped, no value in the output; a third run has nothing to do.
    const all = [...values.values()].flatMap((m) => [...m.values()]);
    for (const line of [...killed.output, ...rerun.output]) for (const v of all) expect(line).not.toContain(v);
    const idle = await runScript('vault-tenant-keys.ts', env, []);
    expect(idle.output.join('\n')).toMatch(/finished in [\d.]+ s: 0 moved/);
  }, 120_000);

  it('a provider-key rotation re-wraps one key per tenant, and everything still resolves on the new key alone', async () => {
    for (const t of apps.splice(0)) await t.close();
    const run = await runScript('vault-rewrap.ts', { DATABASE_URL: db.url, KMS_LOCAL_KEYS: `${k1.entry},${k2.entry}` }, ['--batch-size', '2']);
    expect(run.code).toBe(0);
    expect(run.output.join('\n')).toMatch(new RegExp(`finished: 3 re-wrapped to key ${k2.id}, 0 changed meanwhile, 0 failed \\(3 of the re-wrapped are tenant keys`));
    expect(await query(`SELECT DISTINCT kms_key_id FROM vault_tenant_key`)).toEqual([{ kms_key_id: k2.id }]);
    const t = await start({ KMS_LOCAL_KEYS: k2.entry });
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
    await resolveEverything(t);
    expect(t.logs.some((l) => l.includes('not configured'))).toBe(false);
  }, 60_000);
});
