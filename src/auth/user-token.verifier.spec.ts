import { JwtService } from '@nestjs/jwt';
import { USER_SCOPES } from '../common/scopes';
import { AuthConfig } from '../config/auth.config';
import { FakeClock } from '../../test/support/fake-clock';
import { decodeToken } from './decoded-token';
import { UserTokenVerifier } from './user-token.verifier';

/**
 * Scopes as the verifier grants them, with an HS256 secret and a fake clock (no app, no identity
 * provider): the scope claim read (claims.spec.ts covers its forms) becomes the principal's scopes,
 * and the default user scopes apply only when no scope claim is present at all.
 */
describe('UserTokenVerifier scopes', () => {
  const SECRET = 'Zr8k2Qm9Lx4Vb7Nc1Hs6Tw3Yp5Jd0FgE';
  const clock = new FakeClock(new Date('2026-03-01T00:00:00Z'));
  const jwt = new JwtService({ secret: SECRET });
  const verifier = (env: Record<string, string> = {}): UserTokenVerifier =>
    new UserTokenVerifier(AuthConfig.fromEnv({ JWT_SECRET: SECRET, ...env }), clock, new JwtService({ secret: SECRET }));
  const token = (claims: Record<string, unknown>) =>
    decodeToken(jwt.sign({ sub: 'u1', iat: clock.nowSeconds(), exp: clock.nowSeconds() + 600, ...claims }, { algorithm: 'HS256' }));
  const scopesOf = async (claims: Record<string, unknown>, env?: Record<string, string>): Promise<string[]> =>
    [...(await verifier(env).verify(token(claims), [])).scopes].sort();

  it('gives a user session without any scope claim the default user scopes', async () => {
    expect(await scopesOf({ customer_id: 'cus_a' })).toEqual([...USER_SCOPES].sort());
    expect(await scopesOf({ customer_id: 'cus_a' }, { JWT_DEFAULT_USER_SCOPES: 'faults:read' })).toEqual(['faults:read']);
  });

  it('grants exactly the scopes of the first scope claim present, never the defaults beside them', async () => {
    expect(await scopesOf({ customer_id: 'cus_a', scope: 'faults:read' })).toEqual(['faults:read']);
    expect(await scopesOf({ customer_id: 'cus_a', scp: ['vault:read'], permissions: ['vault:write'] })).toEqual(['vault:read']);
    // An empty claim is present: no scopes at all, not the defaults.
    expect(await scopesOf({ customer_id: 'cus_a', scope: '' })).toEqual([]);
    expect(await scopesOf({ customer_id: 'cus_a', permissions: [] })).toEqual([]);
  });

  it('refuses a token whose scope claim has the wrong type instead of reading it as absent', async () => {
    for (const claims of [{ scope: null }, { scp: 7 }, { scope: ['faults:read'] }, { permissions: 'faults:read' }]) {
      await expect(verifier().verify(token({ customer_id: 'cus_a', ...claims }), [])).rejects.toThrow(/^Malformed token: claim (scope|scp|permissions) must be/);
    }
  });

  it('gives a service token no scopes without a claim (no defaults) and its customer_ids', async () => {
    const principal = await verifier().verify(token({ token_use: 'service', scope: 'faults:ingest', customer_ids: ['cus_a'] }), []);
    expect(principal).toMatchObject({ kind: 'service', customerId: null, customerIds: ['cus_a'] });
    expect([...principal.scopes]).toEqual(['faults:ingest']);
    expect([...(await verifier().verify(token({ token_use: 'service' }), [])).scopes]).toEqual([]);
  });

  it('requires the tenant claim of a user session', async () => {
    await expect(verifier().verify(token({ scope: 'faults:read' }), [])).rejects.toThrow('Token has no tenant claim (customer_id)');
  });
});
