import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Clock } from '../src/common/clock';
import { TEST_JWT_SECRET } from './support/env';
import { FakeClock } from './support/fake-clock';
import { IdentityProvider } from './support/identity-provider';
import { ProbeModule } from './support/probe.module';
import { TestApp, startTestApp } from './support/test-app';
import { rawToken } from './support/tokens';
import { waitFor } from './support/wait-for';

const COOLDOWN_MS = 1000;
const CACHE_MS = 10_000;
const TIMEOUT_MS = 1500;

/**
 * The service against a real identity provider on 127.0.0.1: keys rotate, the provider goes down
 * or misbehaves, and tokens of other providers and other kinds arrive. Time that must pass for the
 * cache is moved on the service's clock; cooldowns and timeouts run in real time.
 */
describe('JWKS: the identity provider publishes the keys', () => {
  const idp = new IdentityProvider();
  const clock = FakeClock.running();
  const kids: Record<'RS256' | 'ES256' | 'EdDSA', string> = { RS256: '', ES256: '', EdDSA: '' };
  let t: TestApp;

  const who = async (token: string): Promise<{ status: number; ms: number; message?: string }> => {
    const started = performance.now();
    const res = await t.request('GET', '/__probe/default', { token });
    return { status: res.status, ms: performance.now() - started, message: res.body?.message };
  };

  beforeAll(async () => {
    await idp.start();
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) kids[alg] = await idp.addKey(alg);
    t = await startTestApp({
      imports: [ProbeModule],
      env: {
        LOG_LEVEL: 'info',
        JWT_JWKS_URL: idp.jwksUrl,
        JWT_ISSUER: idp.issuer,
        JWT_AUDIENCE: idp.audience,
        JWT_JWKS_COOLDOWN_SECONDS: String(COOLDOWN_MS / 1000),
        JWT_JWKS_CACHE_SECONDS: String(CACHE_MS / 1000),
        JWT_JWKS_TIMEOUT_MS: String(TIMEOUT_MS),
      },
      override: (b) => b.overrideProvider(Clock).useValue(clock),
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });
  beforeEach(() => {
    idp.mode = 'serve';
  });

  /** Lets the cooldown pass (in real time: it bounds fetches, so the test cannot move it). */
  const afterCooldown = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));

  it.each(['RS256', 'ES256', 'EdDSA'] as const)('accepts %s access tokens of the provider, with typ JWT, at+jwt or none', async (alg) => {
    for (const typ of [undefined, 'JWT', 'at+jwt', 'application/at+JWT']) {
      const res = await who(await idp.sign({ kid: kids[alg], typ }));
      expect(res).toMatchObject({ status: 200 });
    }
  });

  it('refuses algorithm confusion, the shared secret, and a key used with another algorithm', async () => {
    const publicPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const claims = { sub: 'usr_1', customer_id: 'cus_a', iss: idp.issuer, aud: idp.audience, exp: Math.floor(Date.now() / 1000) + 60 };
    expect(await who(rawToken({ alg: 'HS256', kid: kids.RS256 }, claims, publicPem))).toMatchObject({ status: 401, message: 'Token algorithm HS256 is not accepted' });
    expect(await who(rawToken({ alg: 'HS256' }, claims, TEST_JWT_SECRET))).toMatchObject({ status: 401, message: 'Token algorithm HS256 is not accepted' });
    expect(await who(rawToken({ alg: 'none' }, claims, null))).toMatchObject({ status: 401, message: 'Token algorithm none is not accepted' });
    // An RS256 header naming the P-256 key: no key of the set may verify it.
    const forged = (await idp.sign({ kid: kids.RS256 })).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: kids.ES256 })).toString('base64url');
    expect(await who(`${header}.${forged[1]}.${forged[2]}`)).toMatchObject({ status: 401, message: expect.stringMatching(/No key of the identity provider matches/) });
  });

  it("refuses tokens of a second identity provider, and the same provider's tokens for another API", async () => {
    const other = await new IdentityProvider({ issuer: 'https://other-idp.test/', audience: 'other-api' }).start();
    try {
      await other.addKey('RS256');
      expect(await who(await other.sign())).toMatchObject({ status: 401, message: 'Token key id (kid) is unknown' });
      expect(await who(await idp.sign({ claims: { iss: other.issuer } }))).toMatchObject({ status: 401, message: 'Token issuer is not accepted' });
      expect(await who(await idp.sign({ claims: { aud: 'billing-api' } }))).toMatchObject({ status: 401, message: 'Token audience is not accepted' });
    } finally {
      await other.close();
    }
  });

  it.each([
    ['an OIDC ID token (token_use id)', { claims: { token_use: 'id' } }, 'Token is an ID token, not an access token'],
    ['a Keycloak ID token (typ claim ID)', { claims: { typ: 'ID' } }, 'Token is an ID token, not an access token'],
    ['a refresh token (token_use refresh)', { claims: { token_use: 'refresh' } }, 'Token is a refresh token, not an access token'],
    ['a Keycloak refresh token (typ claim Refresh)', { claims: { typ: 'Refresh' } }, 'Token is a refresh token, not an access token'],
    ['an unknown token_use', { claims: { token_use: 'admin' } }, 'Token kind (token_use) is not accepted: access or service tokens only'],
    ['an ID token by its typ header', { typ: 'id_token+jwt' }, 'Token type (typ header) is not an access token: send a JWT access token (typ JWT or at+jwt)'],
    ['a logout token', { typ: 'logout+jwt' }, 'Token type (typ header) is not an access token: send a JWT access token (typ JWT or at+jwt)'],
    ['a dashboard token type', { typ: 'netops-dashboard+jwt' }, 'A dashboard token is not an API token; use it on the dashboard endpoints'],
  ])('refuses %s with 401 naming why', async (_name, options, message) => {
    expect(await who(await idp.sign(options))).toMatchObject({ status: 401, message });
  });

  it('accepts a rotated key within the cooldown; a flood of unknown kids costs one fetch per cooldown', async () => {
    await afterCooldown();
    let before = idp.fetches;
    const valid = await idp.sign({ kid: kids.RS256 });
    const withKid = (kid: string): string => valid.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url'));
    const forged = await Promise.all(Array.from({ length: 50 }, () => who(withKid(`forged-${randomUUID()}`))));
    expect(forged.filter((r) => !(r.status === 401 && r.message === 'Token key id (kid) is unknown'))).toEqual([]);
    expect(idp.fetches - before).toBe(1); // one shared fetch, not zero, not fifty

    // The provider rotates right after that fetch: the new key is accepted once the cooldown allows a fetch.
    const rotated = await idp.addKey('ES256');
    const token = await idp.sign({ kid: rotated });
    before = idp.fetches;
    const started = performance.now();
    await waitFor('the rotated key to be accepted', async () => (await who(token)).status === 200, 5000, 50);
    const acceptedAfterMs = performance.now() - started;
    expect(acceptedAfterMs).toBeLessThan(COOLDOWN_MS + 500);
    expect(idp.fetches - before).toBeLessThanOrEqual(2);
    console.log(`JWKS rotation: new kid accepted ${Math.round(acceptedAfterMs)} ms after the provider published it (cooldown ${COOLDOWN_MS} ms), ${idp.fetches - before} fetch(es)`);
  });

  it('keeps answering from cached keys while the provider hangs: no request waits ≥ 1 s; past the cache age, a 503', async () => {
    const token = await idp.sign({ kid: kids.EdDSA });
    expect((await who(token)).status).toBe(200);
    idp.mode = 'hang';
    clock.advance(CACHE_MS / 2 + 500); // past half the age: every request now wants a revalidation
    const latencies: number[] = [];
    const failuresLogged = (): number => t.logs.filter((l) => l.includes('could not fetch JWKS')).length;
    const until = Date.now() + TIMEOUT_MS * 2 + 200; // across at least two timed-out fetches
    while (Date.now() < until) {
      const res = await who(token);
      expect(res).toMatchObject({ status: 200 });
      latencies.push(res.ms);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor('the failed fetch to be logged', () => failuresLogged() >= 1, 5000);
    const sorted = [...latencies].sort((a, b) => a - b);
    const max = sorted[sorted.length - 1];
    expect(max).toBeLessThan(1000);
    expect(failuresLogged()).toBe(1); // logged once per interval, however many fetches failed
    console.log(`JWKS outage: ${latencies.length} requests on cached keys, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${max.toFixed(1)} ms`);

    clock.advance(CACHE_MS); // keys no fetch has confirmed for the whole age are no longer trusted
    await afterCooldown();
    const stale = await who(token);
    expect(stale).toMatchObject({ status: 503, message: "The identity provider's signing keys are unavailable (JWKS); try again shortly" });
    expect(stale.ms).toBeLessThan(TIMEOUT_MS + 1000);

    idp.mode = 'serve';
    await waitFor('the keys to be fetched again', async () => (await who(token)).status === 200, 5000, 100);
  });

  it('drops a removed key once the cache age has passed', async () => {
    const kid = await idp.addKey('RS256');
    const token = await idp.sign({ kid });
    await waitFor('the new key to be accepted', async () => (await who(token)).status === 200, 5000, 100);
    idp.publish(kid, false);
    expect((await who(token)).status).toBe(200); // still within the cache age
    clock.advance(CACHE_MS + 500);
    await afterCooldown();
    expect(await who(token)).toMatchObject({ status: 401, message: 'Token key id (kid) is unknown' });
    expect((await who(await idp.sign({ kid: kids.RS256 }))).status).toBe(200);
  });

  it.each([
    ['a redirect (to a URL serving the new key)', 'redirect' as const],
    ['an oversized key set (chunked, holding the new key)', 'oversized' as const],
  ])('does not follow %s', async (_name, mode) => {
    const kid = await idp.addKey('ES256');
    const token = await idp.sign({ kid });
    idp.mode = mode;
    await afterCooldown();
    expect(await who(token)).toMatchObject({ status: 401, message: 'Token key id (kid) is unknown' });
    expect(t.logs.some((l) => (mode === 'redirect' ? l.includes('answered a redirect (HTTP 302), which is not followed') : l.includes('larger than 524288 bytes')))).toBe(true);
    idp.mode = 'serve';
    await afterCooldown();
    expect((await who(token)).status).toBe(200);
  });
});
