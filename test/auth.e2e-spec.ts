import { ProbeModule } from './support/probe.module';
import { TestApp, startTestApp } from './support/test-app';
import { rawToken, serviceToken, userToken } from './support/tokens';

const now = (): number => Math.floor(Date.now() / 1000);
const claims = (extra: object = {}): object => ({ sub: 'usr_1', customer_id: 'cus_a', iat: now(), exp: now() + 300, ...extra });

describe('authentication and authorization (HS256)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule] });
  });
  afterAll(() => t.close());

  it('lets public routes through without a token', async () => {
    expect((await t.request('GET', '/__probe/public')).status).toBe(200);
    expect((await t.request('GET', '/health')).status).toBe(200);
  });

  it('refuses a protected route without a token: 401 with a reason', async () => {
    const res = await t.request('GET', '/__probe/default');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(/Missing Authorization/) });
  });

  it.each([
    ['a non-Bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }, /must be "Bearer/],
    ['garbage', { authorization: 'Bearer not-a-jwt' }, /three dot-separated parts/],
    ['a non-JSON header', { authorization: 'Bearer aGVsbG8.e30.sig' }, /header is not JSON/],
  ])('refuses %s with 401', async (_name, headers, reason) => {
    const res = await t.request('GET', '/__probe/default', { headers });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(reason);
  });

  it('accepts a valid user session and derives tenant and default scopes', async () => {
    const res = await t.request('GET', '/__probe/default', { token: userToken('cus_a', { subject: 'usr_42' }) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      kind: 'user',
      subject: 'usr_42',
      customerId: 'cus_a',
      scopes: ['faults:delete', 'faults:read', 'faults:write', 'vault:read', 'vault:write', 'webhooks:read', 'webhooks:write'],
    });
  });

  it('reads space-separated scopes and the permissions fallback', async () => {
    const spaced = rawToken({ alg: 'HS256', typ: 'JWT' }, claims({ scopes: 'vault:read faults:read' }));
    expect((await t.request('GET', '/__probe/vault-read', { token: spaced })).status).toBe(200);
    const perms = rawToken({ alg: 'HS256', typ: 'JWT' }, claims({ permissions: ['faults:read'] }));
    expect((await t.request('GET', '/__probe/vault-read', { token: perms })).status).toBe(403);
  });

  it('answers 403 naming the missing scope', async () => {
    const res = await t.request('GET', '/__probe/vault-read', { token: userToken('cus_a', { scopes: ['faults:read'] }) });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('Token lacks required scope: vault:read');
  });

  it.each([
    ['alg none', rawToken({ alg: 'none', typ: 'JWT' }, claims(), null), /algorithm none/],
    ['alg none with a signature', rawToken({ alg: 'none' }, claims()), /algorithm none/],
    ['RS256 header on an HMAC key', rawToken({ alg: 'RS256' }, claims()), /algorithm RS256/],
    ['a wrong secret', rawToken({ alg: 'HS256' }, claims(), 'another-secret-another-secret-xx'), /signature is invalid/],
    ['an expired token', rawToken({ alg: 'HS256' }, claims({ exp: now() - 120 })), /expired/],
    ['a token without exp', rawToken({ alg: 'HS256' }, { sub: 'usr_1', customer_id: 'cus_a' }), /no expiry/],
    ['a not-yet-valid token', rawToken({ alg: 'HS256' }, claims({ nbf: now() + 600 })), /not valid yet/],
    ['a token without tenant', rawToken({ alg: 'HS256' }, claims({ customer_id: undefined })), /tenant claim \(customer_id\)/],
    ['a token without subject', rawToken({ alg: 'HS256' }, claims({ sub: undefined })), /no subject/],
    ['a string exp', rawToken({ alg: 'HS256' }, claims({ exp: 'tomorrow' })), /exp must be a number/],
    ['critical headers', rawToken({ alg: 'HS256', crit: ['x'] }, claims()), /critical/],
    // A claim of the wrong type is an invalid token, never "claim absent" (scopes: null once granted every scope).
    ['scopes: null', rawToken({ alg: 'HS256' }, claims({ scopes: null })), /claim scopes must be/],
    ['scopes: a number', rawToken({ alg: 'HS256' }, claims({ scopes: 7 })), /claim scopes must be/],
    ['scopes with a non-string', rawToken({ alg: 'HS256' }, claims({ scopes: ['faults:read', {}] })), /claim scopes must be/],
    ['permissions: null', rawToken({ alg: 'HS256' }, claims({ permissions: null })), /claim permissions must be/],
    ['customer_id: 7', rawToken({ alg: 'HS256' }, claims({ customer_id: 7 })), /claim customer_id must be/],
    ['customer_id: ""', rawToken({ alg: 'HS256' }, claims({ customer_id: '' })), /claim customer_id must be/],
    ['customer_id: null', rawToken({ alg: 'HS256' }, claims({ customer_id: null })), /claim customer_id must be/],
    ['token_use: null', rawToken({ alg: 'HS256' }, claims({ token_use: null })), /claim token_use must be/],
    ['token_use: ["service"]', rawToken({ alg: 'HS256' }, claims({ token_use: ['service'] })), /claim token_use must be/],
    ['customer_ids: "cus_a"', rawToken({ alg: 'HS256' }, claims({ token_use: 'service', customer_id: undefined, customer_ids: 'cus_a' })), /claim customer_ids must be/],
    ['customer_ids: [7]', rawToken({ alg: 'HS256' }, claims({ token_use: 'service', customer_id: undefined, customer_ids: [7] })), /claim customer_ids must be/],
    ['jti: 5', rawToken({ alg: 'HS256' }, claims({ jti: 5 })), /claim jti must be/],
    ['sub: null', rawToken({ alg: 'HS256' }, claims({ sub: null })), /claim sub must be/],
    ['exp in the year 275760', rawToken({ alg: 'HS256' }, claims({ exp: 8.64e12 })), /claim exp must be/],
    ['iat an hour ahead', rawToken({ alg: 'HS256' }, claims({ iat: now() + 3600 })), /issued in the future/],
    ['nbf: null', rawToken({ alg: 'HS256' }, claims({ nbf: null })), /claim nbf must be/],
  ])('refuses %s with 401', async (_name, token, reason) => {
    const res = await t.request('GET', '/__probe/default', { token });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(reason);
    expect(res.text).not.toContain(token);
  });

  it('parses customer_ids of a service token into the principal', async () => {
    const token = rawToken({ alg: 'HS256' }, claims({ token_use: 'service', customer_id: undefined, scopes: ['vault:use'], customer_ids: ['cus_a', 'cus_b'] }));
    const res = await t.request('GET', '/__probe/service', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subject: 'usr_1', customerIds: ['cus_a', 'cus_b'] });
  });

  it('tells service tokens and user tokens apart', async () => {
    const service = serviceToken(['vault:use']);
    expect((await t.request('GET', '/__probe/service', { token: service })).body).toEqual({ subject: 'workflow-runner' });
    expect((await t.request('GET', '/__probe/service', { token: userToken('cus_a') })).status).toBe(403);
    expect((await t.request('GET', '/__probe/vault-read', { token: service })).status).toBe(403);
    expect((await t.request('GET', '/__probe/service', { token: serviceToken(['faults:ingest']) })).status).toBe(403);
  });
});

describe('issuer, audience and a custom tenant claim', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule], env: { JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'netops', JWT_TENANT_CLAIM: 'id' } });
  });
  afterAll(() => t.close());

  it('accepts the right issuer and audience with the tenant in `id`', async () => {
    const token = rawToken({ alg: 'HS256' }, { ...claims({ iss: 'https://idp.example', aud: ['other', 'netops'], id: 'cus_b' }), customer_id: undefined });
    const res = await t.request('GET', '/__probe/default', { token });
    expect(res.status).toBe(200);
    expect(res.body.customerId).toBe('cus_b');
  });

  it.each([
    ['wrong issuer', { iss: 'https://evil.example', aud: 'netops', id: 'cus_b' }, /issuer/],
    ['wrong audience', { iss: 'https://idp.example', aud: 'other', id: 'cus_b' }, /audience/],
    ['tenant in the default claim only', { iss: 'https://idp.example', aud: 'netops' }, /tenant claim \(id\)/],
  ])('refuses a %s', async (_name, extra, reason) => {
    const res = await t.request('GET', '/__probe/default', { token: rawToken({ alg: 'HS256' }, claims(extra)) });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(reason);
  });
});
