import { TestApp, startTestApp } from './support/test-app';
import { newTenant, serviceToken, userToken } from './support/tokens';
import { localKey, secretValue } from './support/vault-helpers';
import { recordSecret } from './support/secret-ledger';

/**
 * A service token scoped by `customer_ids` to tenant B, against tenant V's key, secret and faults:
 * every operation a service token can call treats V's data exactly as data that does not exist
 * (or refuses to name V), and nothing of V's is touched.
 */
describe('service tokens act only for their customer_ids', () => {
  let t: TestApp;
  const V = newTenant('cus_v');
  const B = newTenant('cus_b');
  const userV = userToken(V);
  const userB = userToken(B);
  let apiKeyV: string;
  let apiKeyB: string;
  let secretNameV: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { KMS_LOCAL_KEYS: localKey('svc').entry } });
    const keyV = await t.request('POST', '/workflows/vault', { token: userV, body: { name: 'api-key:ci-v' } });
    const keyB = await t.request('POST', '/workflows/vault', { token: userB, body: { name: 'api-key:ci-b' } });
    expect([keyV.status, keyB.status]).toEqual([201, 201]);
    apiKeyV = recordSecret(keyV.body.api_key as string);
    apiKeyB = recordSecret(keyB.body.api_key as string);
    secretNameV = 'router-v-password';
    expect((await t.request('POST', '/workflows/vault', { token: userV, body: { name: secretNameV, secret: secretValue('v') } })).status).toBe(201);
  });
  afterAll(() => t.close());

  const runnerB = serviceToken(['vault:use'], 'runner-b', [B]);
  const ingestB = serviceToken(['faults:ingest'], 'monitor-b', [B]);

  it("verify: tenant V's key is not valid for a token of B (as if unknown), and is not stamped as used", async () => {
    const res = await t.request('POST', '/internal/vault/api-keys/verify', { token: runnerB, body: { api_key: apiKeyV } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: false, vault_id: null, customer_id: null });
    const own = await t.request('POST', '/internal/vault/api-keys/verify', { token: runnerB, body: { api_key: apiKeyB } });
    expect(own.body).toMatchObject({ valid: true, customer_id: B });
    // V's item was not used by that call.
    const items = await t.request('GET', '/workflows/vault', { token: userV });
    expect(items.body.find((i: { name: string }) => i.name === 'api-key:ci-v').last_used_at).toBeNull();
    // Unscoped (no customer_ids, allowed in development), the same key is found.
    const unscoped = await t.request('POST', '/internal/vault/api-keys/verify', { token: serviceToken(['vault:use']), body: { api_key: apiKeyV } });
    expect(unscoped.body).toMatchObject({ valid: true, customer_id: V });
  });

  it("resolve: naming V is refused (403) and nothing of V's value is answered", async () => {
    const res = await t.request('POST', '/internal/vault/resolve', { token: runnerB, body: { customer_id: V, names: [secretNameV] } });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('This service token may not act for that tenant (customer_ids)');
  });

  it('ingest and resolve-faults: naming V is refused, and V has no fault afterwards', async () => {
    const fault = { resource_id: 'dev_v1', microservice_id: 'mon', type: 'site', severity: 'HIGH', message: 'down', dedup_key: 'site-v-down', customer_id: V };
    expect((await t.request('POST', '/fault', { token: ingestB, body: fault })).status).toBe(403);
    expect((await t.request('POST', '/fault/resolve', { token: ingestB, body: { customer_id: V, dedup_key: 'site-v-down' } })).status).toBe(403);
    expect((await t.request('GET', '/fault', { token: userV })).body.data).toEqual([]);
    // B's own tenant works with the same token.
    expect((await t.request('POST', '/fault', { token: ingestB, body: { ...fault, customer_id: B } })).status).toBe(201);
    expect((await t.request('POST', '/fault/resolve', { token: ingestB, body: { customer_id: B, dedup_key: 'site-v-down' } })).body.resolved).toBe(1);
  });

  it('offboarding: naming V is refused, and V keeps working', async () => {
    const res = await t.request('DELETE', `/internal/tenants/${V}`, { token: serviceToken(['tenants:admin'], 'admin-b', [B]) });
    expect(res.status).toBe(403);
    expect((await t.request('GET', '/workflows/vault', { token: userV })).status).toBe(200);
  });
});

describe('SERVICE_TOKENS_REQUIRE_TENANTS (the production default) refuses unscoped service tokens everywhere', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { KMS_LOCAL_KEYS: localKey('strict').entry, SERVICE_TOKENS_REQUIRE_TENANTS: 'true' } });
  });
  afterAll(() => t.close());

  it.each([
    ['verify', '/internal/vault/api-keys/verify', ['vault:use'], { api_key: 'wfk_unknown' }],
    ['resolve', '/internal/vault/resolve', ['vault:use'], { customer_id: 'cus_any', names: ['router-password'] }],
    ['ingest', '/fault', ['faults:ingest'], { resource_id: 'dev_1', microservice_id: 'mon', type: 'site', severity: 'LOW', message: 'down', customer_id: 'cus_any' }],
    ['resolve-faults', '/fault/resolve', ['faults:ingest'], { customer_id: 'cus_any', dedup_key: 'k' }],
  ])('%s: 403 without customer_ids', async (_name, path, scopes, body) => {
    const res = await t.request('POST', path, { token: serviceToken(scopes), body });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Service tokens must carry a customer_ids claim naming the tenants they may act for');
  });
});
