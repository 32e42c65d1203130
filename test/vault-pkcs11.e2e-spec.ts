import { Client } from 'pg';
import { createDataSource } from '../ormconfig';
import { DatabaseConfig } from '../src/config/database.config';
import { KmsConfig } from '../src/config/kms.config';
import { runMigrationsLocked } from '../src/database/run-migrations';
import { createKmsProvider } from '../src/kms/kms.factory';
import { rewrapVault } from '../src/vault/keys/rewrap';
import { migrateToTenantKeys } from '../src/vault/keys/tenant-key-migration';
import { createScratchDatabase } from './support/scratch-database';
import { createPkcs11AesKey } from '../src/kms/pkcs11.provider';
import { createSoftHsmToken, deleteSoftHsmToken, ensureSoftHsm } from './support/softhsm';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { secretValue } from './support/vault-helpers';

const hsm = ensureSoftHsm();
if ('skip' in hsm) console.warn(hsm.skip);
const describeHsm = 'skip' in hsm ? describe.skip : describe;

/** The whole service with KMS_PROVIDER=pkcs11 on a SoftHSM2 token of its own. */
describeHsm('vault on a PKCS#11 HSM (SoftHSM2)', () => {
  const tokenLabel = `e2e-${process.pid}-${Date.now() % 100000}`;
  const pin = '135790';
  const keyLabel = `kek-${Date.now() % 100000}`;
  let t: TestApp;

  beforeAll(async () => {
    createSoftHsmToken(tokenLabel, pin);
    createPkcs11AesKey({ modulePath: 'modulePath' in hsm ? hsm.modulePath : '', tokenLabel, pin, keyLabel }, keyLabel);
    t = await startTestApp({
      env: { KMS_PROVIDER: 'pkcs11', PKCS11_MODULE_PATH: 'modulePath' in hsm ? hsm.modulePath : '', PKCS11_TOKEN_LABEL: tokenLabel, PKCS11_PIN: pin, PKCS11_KEY_LABEL: keyLabel },
    });
  });
  afterAll(async () => {
    await t?.close();
    deleteSoftHsmToken(tokenLabel);
  });

  it('is ready, stores values wrapped by the token key, and resolves them', async () => {
    expect((await t.request('GET', '/health/ready')).body.checks.kms).toEqual({ status: 'up' });
    const tenant = newTenant();
    const value = secretValue('hsm');
    const created = await t.request('POST', '/workflows/vault', { token: userToken(tenant), body: { name: 'hsm-secret', secret: value } });
    expect(created.status).toBe(201);
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      // The value's data key is wrapped by the tenant's key, and the tenant's key by the token key.
      const { rows } = await db.query('SELECT enc_format, kms_provider FROM vault_item WHERE id = $1', [created.body.id]);
      expect(rows[0]).toEqual({ enc_format: 3, kms_provider: 'tenant' });
      const keys = await db.query('SELECT kms_provider, kms_key_id FROM vault_tenant_key WHERE customer_id = $1', [tenant]);
      expect(keys.rows).toEqual([{ kms_provider: 'pkcs11', kms_key_id: keyLabel }]);
    } finally {
      await db.end();
    }
    const res = await t.request('POST', '/internal/vault/resolve', { token: serviceToken(['vault:use']), body: { customer_id: tenant, names: ['hsm-secret'] } });
    expect(res.body).toEqual({ customer_id: tenant, secrets: { 'hsm-secret': value }, versions: { 'hsm-secret': 1 } });
  });

  it('keeps versions sealed under the token key, each bound to its version, and restores one', async () => {
    const tenant = newTenant();
    const user = userToken(tenant);
    const first = secretValue('hsm-v1');
    const created = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'hsm-versioned', secret: first } });
    expect((await t.request('PUT', `/workflows/vault/${created.body.id}`, { token: user, body: { name: 'hsm-versioned', secret: secretValue('hsm-v2') } })).body.version).toBe(2);
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT version, kms_provider, kms_key_id, enc_format FROM vault_item_version WHERE vault_id = $1', [created.body.id]);
      expect(rows).toEqual([{ version: 1, kms_provider: 'tenant', kms_key_id: expect.stringMatching(/^tk_/), enc_format: 3 }]);
    } finally {
      await db.end();
    }
    const restored = await t.request('POST', `/workflows/vault/${created.body.id}/versions/1/restore`, { token: user });
    expect(restored.body.version).toBe(3);
    const res = await t.request('POST', '/internal/vault/resolve', { token: serviceToken(['vault:use']), body: { customer_id: tenant, names: ['hsm-versioned'] } });
    expect(res.body).toEqual({ customer_id: tenant, secrets: { 'hsm-versioned': first }, versions: { 'hsm-versioned': 3 } });
  });

  it('moves format-2 values onto tenant keys and rotates the token key per tenant (own database)', async () => {
    const scratch = await createScratchDatabase('hsm_tk');
    const modulePath = 'modulePath' in hsm ? hsm.modulePath : '';
    const env = (label: string): Record<string, string> => ({ KMS_PROVIDER: 'pkcs11', PKCS11_MODULE_PATH: modulePath, PKCS11_TOKEN_LABEL: tokenLabel, PKCS11_PIN: pin, PKCS11_KEY_LABEL: label });
    const tenant = newTenant();
    const value = secretValue('hsm-migrate');
    const runner = serviceToken(['vault:use']);
    let app: TestApp | undefined;
    // One PKCS#11 library session per process: the suite's app closes first, and each provider below closes before the next opens.
    await t.close();
    t = undefined as unknown as TestApp;
    try {
      const ds = await createDataSource(scratch.url, DatabaseConfig.fromEnv(process.env)).initialize();
      try {
        await runMigrationsLocked(ds);
        app = await startTestApp({ env: { ...env(keyLabel), DATABASE_URL: scratch.url, VAULT_TENANT_KEYS: 'false' } });
        expect((await app.request('POST', '/workflows/vault', { token: userToken(tenant), body: { name: 'hsm-old', secret: value } })).status).toBe(201);
        await app.close();
        app = undefined;
        const kms = createKmsProvider(KmsConfig.fromEnv(env(keyLabel)), () => undefined);
        try {
          expect(await migrateToTenantKeys(ds, kms, { batchSize: 10, pauseMs: 0 })).toMatchObject({ total: 1, migrated: 1, failed: 0, left: 0 });
        } finally {
          await kms.close();
        }
        const label2 = `${keyLabel}-2`;
        createPkcs11AesKey({ modulePath, tokenLabel, pin, keyLabel: label2 }, label2);
        const kms2 = createKmsProvider(KmsConfig.fromEnv(env(label2)), () => undefined);
        try {
          expect(await rewrapVault(ds, kms2, { batchSize: 10, pauseMs: 0 })).toMatchObject({ rewrapped: 1, tenantKeys: 1, failed: 0 });
        } finally {
          await kms2.close();
        }
        expect(await ds.query('SELECT kms_key_id FROM vault_tenant_key')).toEqual([{ kms_key_id: label2 }]);
      } finally {
        await ds.destroy();
      }
      app = await startTestApp({ env: { ...env(`${keyLabel}-2`), DATABASE_URL: scratch.url } });
      const res = await app.request('POST', '/internal/vault/resolve', { token: runner, body: { customer_id: tenant, names: ['hsm-old'] } });
      expect(res.body).toEqual({ customer_id: tenant, secrets: { 'hsm-old': value }, versions: { 'hsm-old': 1 } });
    } finally {
      await app?.close();
      await scratch.drop();
    }
  });
});
