import { numericDateClaim, optionalStringArrayClaim, optionalStringClaim, scopesClaim, TENANT_ID, validateClaims } from './claims';
import { TokenError } from './token-error';

describe('claims fail closed', () => {
  it.each([null, 7, true, {}, [1], ['faults:read', null], [''], 'bad\u0000scope'])('refuses scope claims of %p in every claim', (value) => {
    for (const claim of ['scope', 'scp', 'scopes', 'permissions']) {
      expect(() => scopesClaim({ [claim]: value })).toThrow(new RegExp(`claim ${claim} must be`));
    }
  });

  it('reads scope, scp, scopes, permissions: the first present wins, each in its own forms', () => {
    expect(scopesClaim({ scope: 'faults:read  vault:read' })).toEqual(['faults:read', 'vault:read']);
    expect(scopesClaim({ scp: ['faults:read'] })).toEqual(['faults:read']);
    expect(scopesClaim({ scp: 'faults:read faults:write' })).toEqual(['faults:read', 'faults:write']);
    expect(scopesClaim({ scopes: 'a:b  c:d' })).toEqual(['a:b', 'c:d']);
    expect(scopesClaim({ permissions: ['x:y'] })).toEqual(['x:y']);
    // The first present claim decides, even when a later one grants more.
    expect(scopesClaim({ scope: 'faults:read', scopes: ['vault:write'], permissions: ['vault:write'] })).toEqual(['faults:read']);
    expect(scopesClaim({ scp: [], permissions: ['vault:write'] })).toEqual([]);
    expect(scopesClaim({ scope: '' })).toEqual([]);
    expect(scopesClaim({})).toBeUndefined();
    // A present claim of the wrong type is an invalid token, not "absent" (which would grant the default scopes).
    expect(() => scopesClaim({ scope: null, permissions: ['x:y'] })).toThrow(TokenError);
    expect(() => scopesClaim({ scope: ['faults:read'] })).toThrow('claim scope must be a space-separated string');
    expect(() => scopesClaim({ permissions: 'faults:read' })).toThrow('claim permissions must be an array of strings');
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
  describe('claims', () => {
    const rules = { nowSeconds: 1_000_000, clockToleranceSeconds: 30 };

    it('applies the clock tolerance to exp and nbf', () => {
      expect(() => validateClaims({ exp: 1_000_000 - 29 }, rules)).not.toThrow();
      expect(() => validateClaims({ exp: 1_000_000 - 30 }, rules)).toThrow('Token has expired');
      expect(() => validateClaims({ exp: 2_000_000, nbf: 1_000_000 + 30 }, rules)).not.toThrow();
      expect(() => validateClaims({ exp: 2_000_000, nbf: 1_000_000 + 31 }, rules)).toThrow('not valid yet');
    });

    it('checks issuer and audience (string or array) and refuses reserved audiences', () => {
      const r = { ...rules, issuer: 'iss', audience: 'aud' };
      expect(() => validateClaims({ exp: 2e6, iss: 'iss', aud: ['x', 'aud'] }, r)).not.toThrow();
      expect(() => validateClaims({ exp: 2e6, iss: 'iss', aud: 'x' }, r)).toThrow('audience');
      expect(() => validateClaims({ exp: 2e6, iss: 'other', aud: 'aud' }, r)).toThrow('issuer');
      expect(() => validateClaims({ exp: 2e6, aud: [1] }, rules)).toThrow('aud must be');
      expect(() => validateClaims({ exp: 2e6, aud: 'dashboard' }, { ...rules, forbiddenAudiences: ['dashboard'] })).toThrow('audience');
    });
  });
});
