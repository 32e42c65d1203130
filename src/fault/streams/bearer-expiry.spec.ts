import { bearerExpiresAt } from './bearer-expiry';

const jwt = (payload: object): string => `Bearer eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

describe('bearerExpiresAt', () => {
  it('reads exp (seconds) as epoch milliseconds', () => {
    expect(bearerExpiresAt(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
  });

  it('answers undefined without a readable numeric exp', () => {
    for (const header of [undefined, '', 'Basic abc', 'Bearer not-a-jwt', jwt({}), jwt({ exp: '1800000000' }), 'Bearer a.%%%.b']) {
      expect(bearerExpiresAt(header)).toBeUndefined();
    }
  });
});
