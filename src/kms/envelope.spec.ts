import { randomBytes } from 'node:crypto';
import { EnvelopeCrypto, EnvelopeError, SealedValue } from './envelope';
import { LocalKeyRingProvider } from './local-key-ring.provider';

const key = (id: string) => ({ id, material: randomBytes(32) });

describe('envelope encryption (local key ring)', () => {
  const k1 = key('k1');
  const ring = new LocalKeyRingProvider([k1]);
  const crypto = new EnvelopeCrypto(ring);
  const binding = { tenant: 'cus_a', item: 'vlt_01', version: 1 };

  it('round-trips a value and never stores it in the clear', async () => {
    const sealed = await crypto.seal('hunter2-üñí', binding);
    expect(sealed.formatVersion).toBe(2);
    expect(sealed.wrappedKey).toMatchObject({ provider: 'local', keyId: 'k1' });
    expect(sealed.wrappedKey.keyVersion).toMatch(/^[0-9a-f]{12}$/);
    expect(sealed.ciphertext.includes(Buffer.from('hunter2'))).toBe(false);
    expect(await crypto.open(sealed, binding)).toBe('hunter2-üñí');
  });

  it('uses a fresh data key and iv for every value', async () => {
    const a = await crypto.seal('same', binding);
    const b = await crypto.seal('same', binding);
    expect(a.wrappedKey.ciphertext.equals(b.wrappedKey.ciphertext)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('fails closed on a tampered ciphertext, iv, tag or wrapped key', async () => {
    const sealed = await crypto.seal('value', binding);
    for (const index of [0, 12, sealed.ciphertext.length - 1]) {
      const ciphertext = Buffer.from(sealed.ciphertext);
      ciphertext[index] ^= 0x01;
      await expect(crypto.open({ ...sealed, ciphertext }, binding)).rejects.toThrow(EnvelopeError);
    }
    const wrapped = Buffer.from(sealed.wrappedKey.ciphertext);
    wrapped[20] ^= 0x80;
    await expect(crypto.open({ ...sealed, wrappedKey: { ...sealed.wrappedKey, ciphertext: wrapped } }, binding)).rejects.toThrow(EnvelopeError);
    await expect(crypto.open({ ...sealed, ciphertext: sealed.ciphertext.subarray(0, 10) }, binding)).rejects.toThrow(EnvelopeError);
  });

  it('fails closed when the value is copied to another item or tenant (swapped associated data)', async () => {
    const sealed = await crypto.seal('value', binding);
    await expect(crypto.open(sealed, { ...binding, item: 'vlt_02' })).rejects.toThrow(EnvelopeError);
    await expect(crypto.open(sealed, { ...binding, tenant: 'cus_b' })).rejects.toThrow(EnvelopeError);
    // Only the value moved, with another item's (valid) wrapped key: still refused.
    const other = await crypto.seal('other', { tenant: 'cus_b', item: 'vlt_09', version: 1 });
    await expect(crypto.open({ ...sealed, wrappedKey: other.wrappedKey }, binding)).rejects.toThrow(EnvelopeError);
    await expect(crypto.open({ ...other, ciphertext: sealed.ciphertext }, { tenant: 'cus_b', item: 'vlt_09', version: 1 })).rejects.toThrow(EnvelopeError);
  });

  it('binds each version: one version\'s ciphertext does not open as another version of the same item', async () => {
    const v1 = await crypto.seal('first', binding);
    const v2 = await crypto.seal('second', { ...binding, version: 2 });
    await expect(crypto.open(v1, { ...binding, version: 2 })).rejects.toThrow(EnvelopeError);
    await expect(crypto.open({ ...v2, ciphertext: v1.ciphertext, wrappedKey: v1.wrappedKey }, { ...binding, version: 2 })).rejects.toThrow(EnvelopeError);
    expect(await crypto.open(v2, { ...binding, version: 2 })).toBe('second');
  });

  it('opens legacy format-1 values (bound to tenant and item only)', async () => {
    const { createCipheriv } = await import('node:crypto');
    const { valueAad } = await import('./envelope');
    const dataKey = await ring.generateDataKey({ tenant: 'cus_a', item: 'vlt_01' });
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv, { authTagLength: 16 });
    cipher.setAAD(valueAad(1, binding));
    const body = Buffer.concat([cipher.update('legacy', 'utf8'), cipher.final()]);
    const legacy: SealedValue = { formatVersion: 1, wrappedKey: dataKey.wrapped, ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]) };
    expect(await crypto.open(legacy, { ...binding, version: 7 })).toBe('legacy');
  });

  it('fails closed with the wrong key under the same id, and with an unknown key id', async () => {
    const sealed = await crypto.seal('value', binding);
    const impostor = new EnvelopeCrypto(new LocalKeyRingProvider([key('k1')]));
    await expect(impostor.open(sealed, binding)).rejects.toThrow(/k1/);
    // Same id, same recorded version, different material: the GCM tag refuses it.
    const forged: SealedValue = { ...sealed, wrappedKey: { ...sealed.wrappedKey, keyVersion: new LocalKeyRingProvider([{ id: 'k1', material: randomBytes(32) }]).activeKey().keyVersion } };
    await expect(impostor.open(forged, binding)).rejects.toThrow(EnvelopeError);
    const stranger = new EnvelopeCrypto(new LocalKeyRingProvider([key('k9')]));
    await expect(stranger.open(sealed, binding)).rejects.toThrow(/k1 is not in the local key ring/);
    await expect(crypto.open({ ...sealed, wrappedKey: { ...sealed.wrappedKey, provider: 'pkcs11' } }, binding)).rejects.toThrow(EnvelopeError);
    await expect(crypto.open({ ...sealed, formatVersion: 3 }, binding)).rejects.toThrow(/format/);
  });

  it('rotates: new writes use the newest key, old values open, re-wrap moves them, then the old key can go', async () => {
    const k2 = key('k2');
    const old = await crypto.seal('rotate me', binding);
    const both = new EnvelopeCrypto(new LocalKeyRingProvider([k1, k2]));
    const fresh = await both.seal('new', binding);
    expect(fresh.wrappedKey.keyId).toBe('k2');
    expect(await both.open(old, binding)).toBe('rotate me');
    const rewrapped = { ...old, wrappedKey: await both.rewrap(old.wrappedKey, binding) };
    expect(rewrapped.wrappedKey.keyId).toBe('k2');
    const onlyK2 = new EnvelopeCrypto(new LocalKeyRingProvider([k2]));
    expect(await onlyK2.open(rewrapped, binding)).toBe('rotate me');
    await expect(onlyK2.open(old, binding)).rejects.toThrow(EnvelopeError);
  });
});
