import { decodeToken } from './decoded-token';
import { TokenError } from './token-error';

const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('decodeToken', () => {
  it('reads header and payload without trusting them', () => {
    const raw = `${b64({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })}.${b64({ sub: 'a' })}.c2ln`;
    expect(decodeToken(raw)).toEqual({ raw, header: { alg: 'HS256', kid: 'k1', typ: 'at+jwt' }, payload: { sub: 'a' } });
  });

  it.each([
    ['one part', 'abc'],
    ['four parts', 'a.b.c.d'],
    ['non-base64url characters', 'a+b.c.d'],
    ['an array header', `${b64([1])}.${b64({})}.x`],
    ['a numeric kid', `${b64({ alg: 'HS256', kid: 7 })}.${b64({})}.x`],
    ['an oversized token', `${'a'.repeat(9000)}.b.c`],
  ])('refuses a malformed token: %s', (_name, token) => {
    expect(() => decodeToken(token)).toThrow(TokenError);
  });

  it('refuses a numeric typ and critical headers', () => {
    expect(() => decodeToken(`${b64({ alg: 'HS256', typ: 1 })}.${b64({})}.x`)).toThrow('typ is not a string');
    expect(() => decodeToken(`${b64({ alg: 'HS256', crit: ['exp'] })}.${b64({})}.x`)).toThrow('critical');
  });
});
