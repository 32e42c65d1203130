import { createHmac, createSecretKey, generateKeyPairSync, sign } from 'node:crypto';
import { algorithmForKey, decodeJwt, validateClaims, verifySignature } from './jws';
import { TokenError } from './token-error';

const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const hs256 = (header: object, payload: object, secret: string): string => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

describe('jws', () => {
  const secret = createSecretKey(Buffer.from('unit-secret'));

  it('verifies a good HS256 token', () => {
    const jwt = decodeJwt(hs256({ alg: 'HS256' }, { sub: 'a' }, 'unit-secret'));
    expect(() => verifySignature(jwt, secret)).not.toThrow();
    expect(jwt.payload).toEqual({ sub: 'a' });
  });

  it('rejects a flipped payload bit', () => {
    const token = hs256({ alg: 'HS256' }, { sub: 'a' }, 'unit-secret');
    const [h, , s] = token.split('.');
    expect(() => verifySignature(decodeJwt(`${h}.${b64({ sub: 'b' })}.${s}`), secret)).toThrow('Token signature is invalid');
  });

  it('pins each key to one algorithm', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const smallRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const ed = generateKeyPairSync('ed25519');
    expect(algorithmForKey(secret)).toBe('HS256');
    expect(algorithmForKey(rsa.publicKey)).toBe('RS256');
    expect(algorithmForKey(smallRsa.publicKey)).toBeUndefined();
    expect(algorithmForKey(ec.publicKey)).toBe('ES256');
    expect(algorithmForKey(ec384.publicKey)).toBeUndefined();
    expect(algorithmForKey(ed.publicKey)).toBe('EdDSA');
    expect(algorithmForKey(rsa.privateKey)).toBeUndefined();
  });

  it('rejects an RS256 token presented against an HMAC key, and alg none', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = `${b64({ alg: 'RS256' })}.${b64({ sub: 'a' })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), rsa.privateKey).toString('base64url')}`;
    expect(() => verifySignature(decodeJwt(token), secret)).toThrow('Token algorithm RS256 is not accepted');
    expect(() => verifySignature(decodeJwt(`${b64({ alg: 'none' })}.${b64({ sub: 'a' })}.`), secret)).toThrow(TokenError);
  });

  it('rejects ES256 signatures in DER form (only the JOSE form is valid)', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const input = `${b64({ alg: 'ES256' })}.${b64({ sub: 'a' })}`;
    const der = sign('sha256', Buffer.from(input), ec.privateKey).toString('base64url');
    expect(() => verifySignature(decodeJwt(`${input}.${der}`), ec.publicKey)).toThrow('Token signature is invalid');
  });

  it.each([
    ['one part', 'abc'],
    ['four parts', 'a.b.c.d'],
    ['non-base64url characters', 'a+b.c.d'],
    ['an array header', `${b64([1])}.${b64({})}.x`],
    ['a numeric kid', `${b64({ alg: 'HS256', kid: 7 })}.${b64({})}.x`],
    ['an oversized token', `${'a'.repeat(9000)}.b.c`],
  ])('refuses a malformed token: %s', (_name, token) => {
    expect(() => decodeJwt(token)).toThrow(TokenError);
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
