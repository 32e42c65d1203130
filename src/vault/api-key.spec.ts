import { apiKeyMatches, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key';

describe('workflow API keys', () => {
  it('have the wfk_ format with 256 random bits and a checksum', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^wfk_[0-9A-Za-z]{49}$/);
    expect(isWellFormedApiKey(key)).toBe(true);
    expect(new Set(Array.from({ length: 50 }, () => generateApiKey())).size).toBe(50);
    // 256 bits do not fit in fewer than 43 base62 characters: the largest value uses them all.
    expect(generateApiKey(Buffer.alloc(32, 0xff)).length).toBe(53);
  });

  it('reject a key whose checksum does not match (one character changed)', () => {
    const key = generateApiKey();
    const i = 10;
    const changed = key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
    expect(isWellFormedApiKey(changed)).toBe(false);
    expect(isWellFormedApiKey(`${key}x`)).toBe(false);
    expect(isWellFormedApiKey(key.replace('wfk_', 'wfx_'))).toBe(false);
  });

  it('match only their own hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(apiKeyMatches(a, hashApiKey(a))).toBe(true);
    expect(apiKeyMatches(b, hashApiKey(a))).toBe(false);
    expect(apiKeyMatches(a, Buffer.alloc(5))).toBe(false);
  });
});
