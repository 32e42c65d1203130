import { Client } from 'pg';
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
      const { rows } = await db.query('SELECT kms_provider, kms_key_id FROM vault_item WHERE id = $1', [created.body.id]);
      expect(rows[0]).toEqual({ kms_provider: 'pkcs11', kms_key_id: keyLabel });
    } finally {
      await db.end();
    }
    const res = await t.request('POST', '/internal/vault/resolve', { token: serviceToken(['vault:use']), body: { customer_id: tenant, names: ['hsm-secret'] } });
    expect(res.body).toEqual({ customer_id: tenant, secrets: { 'hsm-secret': value } });
  });
});
