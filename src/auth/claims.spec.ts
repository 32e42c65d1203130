import { numericDateClaim, optionalStringArrayClaim, optionalStringClaim, scopesClaim, TENANT_ID } from './claims';
import { validateClaims } from './jws';
import { TokenError } from './token-error';

describe('claims fail closed', () => {
  it.each([null, 7, true, {}, [1], ['faults:read', null], [''], 'bad\u0000scope'])('refuses scopes %p (also as permissions)', (value) => {
    expect(() => scopesClaim({ scopes: value })).toThrow(/claim scopes must be/);
    expect(() => scopesClaim({ permissions: value })).toThrow(/claim permissions must be/);
  });

  it('reads scopes, else permissions, and only an absent claim as "none"', () => {
    expect(scopesClaim({ scopes: 'a:b  c:d' })).toEqual(['a:b', 'c:d']);
    expect(scopesClaim({ scopes: ['a:b'], permissions: null })).toEqual(['a:b']);
    expect(scopesClaim({ permissions: ['x:y'] })).toEqual(['x:y']);
    expect(scopesClaim({ scopes: [] })).toEqual([]);
    expect(scopesClaim({})).toBeUndefined();
    expect(() => scopesClaim({ scopes: null, permissions: ['x:y'] })).toThrow(TokenError);
  });

  it.each([null, 7, '', 'x'.repeat(300), ['a'], {}])('refuses a string claim given %p', (value) => {
    expect(() => optionalStringClaim({ token_use: value }, 'token_use')).toThrow(/claim token_use must be a non-empty string/);
  });

  it('checks tenant ids against their pattern and customer_ids element by element', () => {
    expect(() => optionalStringClaim({ customer_id: 'a b' }, 'customer_id', { pattern: TENANT_ID })).toThrow(TokenError);
    expect(optionalStringArrayClaim({ customer_ids: ['cus_a', 'cus_b'] }, 'customer_ids', { pattern: TENANT_ID })).toEqual(['cus_a', 'cus_b']);
    for (const bad of [null, 'cus_a', [null], [7], [''], ['a b'], {}]) {
      expect(() => optionalStringArrayClaim({ customer_ids: bad }, 'customer_ids', { pattern: TENANT_ID })).toThrow(/claim customer_ids must be/);
    }
  });

  it.each([null, '1', -1, Number.MAX_VALUE, 253_402_300_800, NaN])('refuses a NumericDate %p', (value) => {
    expect(() => numericDateClaim({ exp: value }, 'exp')).toThrow(/claim exp must be a number/);
  });

  it('refuses a token issued beyond the clock tolerance in the future, and a non-string iss', () => {
    const rules = { nowSeconds: 1_000_000, clockToleranceSeconds: 30 };
    expect(() => validateClaims({ exp: 2_000_000, iat: 1_000_030 }, rules)).not.toThrow();
    expect(() => validateClaims({ exp: 2_000_000, iat: 1_000_031 }, rules)).toThrow('issued in the future');
    expect(() => validateClaims({ exp: 2_000_000, iss: 5 }, rules)).toThrow(/claim iss/);
    expect(() => validateClaims({ exp: 2_000_000, aud: null }, rules)).toThrow(/aud must be/);
  });
});
