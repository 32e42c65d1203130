import { createSoftHsmToken, deleteSoftHsmToken, ensureSoftHsm } from '../../test/support/softhsm';
import { Pkcs11KmsSettings } from '../config/kms.config';
import { EnvelopeCrypto, EnvelopeError } from './envelope';
import { KmsKeyError } from './kms-provider.interface';
import { Pkcs11Provider, createPkcs11AesKey } from './pkcs11.provider';

const hsm = ensureSoftHsm();
if ('skip' in hsm) console.warn(hsm.skip);
const describeHsm = 'skip' in hsm ? describe.skip : describe;

describeHsm('PKCS#11 provider on SoftHSM2', () => {
  const modulePath = 'modulePath' in hsm ? hsm.modulePath : '';
  const pin = '246810';
  const settings: Pkcs11KmsSettings = { modulePath, tokenLabel: `vault-${process.pid}-${Date.now() % 100000}`, pin, keyLabel: 'kek-1' };
  const binding = { tenant: 'cus_a', item: 'vlt_01', version: 1 };
  let provider: Pkcs11Provider | undefined;

  beforeAll(() => {
    createSoftHsmToken(settings.tokenLabel, pin);
    createSoftHsmToken(`${settings.tokenLabel}-b`, pin);
    createPkcs11AesKey(settings, 'kek-1');
  });
  afterAll(() => {
    deleteSoftHsmToken(settings.tokenLabel);
    deleteSoftHsmToken(`${settings.tokenLabel}-b`);
  });
  afterEach(async () => {
    await provider?.close();
    provider = undefined;
  });

  it('seals and opens values with a key that never leaves the token', async () => {
    provider = Pkcs11Provider.open(settings);
    expect(provider.activeKey()).toEqual({ provider: 'pkcs11', keyId: 'kek-1', keyVersion: expect.stringMatching(/^[0-9a-f]{16}$/) });
    await expect(provider.health()).resolves.toBeUndefined();
    const crypto = new EnvelopeCrypto(provider);
    const sealed = await crypto.seal('router-password', binding);
    expect(sealed.wrappedKey.ciphertext).toHaveLength(12 + 32 + 16);
    expect(await crypto.open(sealed, binding)).toBe('router-password');
  });

  it('fails closed on tampering, another item or tenant, and an unknown key label', async () => {
    provider = Pkcs11Provider.open(settings);
    const crypto = new EnvelopeCrypto(provider);
    const sealed = await crypto.seal('value', binding);
    const wrapped = Buffer.from(sealed.wrappedKey.ciphertext);
    wrapped[15] ^= 1;
    await expect(provider.unwrapKey({ ...sealed.wrappedKey, ciphertext: wrapped }, binding)).rejects.toThrow(KmsKeyError);
    await expect(crypto.open(sealed, { ...binding, item: 'vlt_02' })).rejects.toThrow(EnvelopeError);
    await expect(crypto.open(sealed, { ...binding, tenant: 'cus_b' })).rejects.toThrow(EnvelopeError);
    await expect(crypto.open({ ...sealed, wrappedKey: { ...sealed.wrappedKey, keyId: 'kek-404' } }, binding)).rejects.toThrow(/kek-404/);
    await expect(crypto.open({ ...sealed, wrappedKey: { ...sealed.wrappedKey, keyVersion: '00' } }, binding)).rejects.toThrow(/not the key/);
  });

  it('reopens its session when the token drops it (HSM restart) and carries on', async () => {
    provider = Pkcs11Provider.open(settings);
    const crypto = new EnvelopeCrypto(provider);
    const sealed = await crypto.seal('survives', binding);
    const token = (provider as unknown as { token: { lib: { C_CloseSession(s: unknown): void }; session: unknown } }).token;
    token.lib.C_CloseSession(token.session);
    expect(await crypto.open(sealed, binding)).toBe('survives');
    expect(await crypto.open(await crypto.seal('after', binding), binding)).toBe('after');
    await expect(provider.health()).resolves.toBeUndefined();
  });

  it('refuses a wrong PIN, an unknown token and a missing key label, naming them', () => {
    expect(() => Pkcs11Provider.open({ ...settings, pin: '000000' })).toThrow(/cannot log in/);
    expect(() => Pkcs11Provider.open({ ...settings, tokenLabel: 'no-such-token' })).toThrow(/no-such-token/);
    expect(() => Pkcs11Provider.open({ ...settings, keyLabel: 'kek-missing' })).toThrow(/kek-missing/);
    expect(() => Pkcs11Provider.open({ ...settings, modulePath: '/nonexistent/libpkcs11.so' })).toThrow(/cannot load/);
  });

  it('a key with the same label in another token is the wrong key', async () => {
    provider = Pkcs11Provider.open(settings);
    const sealed = await new EnvelopeCrypto(provider).seal('value', binding);
    await provider.close();
    const other = { ...settings, tokenLabel: `${settings.tokenLabel}-b` };
    createPkcs11AesKey(other, 'kek-1');
    provider = Pkcs11Provider.open(other);
    await expect(new EnvelopeCrypto(provider).open(sealed, binding)).rejects.toThrow(EnvelopeError);
    // Even when the recorded version is forged to match, the token's GCM tag check refuses it.
    const forged = { ...sealed, wrappedKey: { ...sealed.wrappedKey, keyVersion: provider.activeKey().keyVersion } };
    await expect(new EnvelopeCrypto(provider).open(forged, binding)).rejects.toThrow(EnvelopeError);
  });

  it('rotates to a new key label; old values open and re-wrap onto it', async () => {
    provider = Pkcs11Provider.open(settings);
    const old = await new EnvelopeCrypto(provider).seal('rotate', binding);
    await provider.close();
    createPkcs11AesKey(settings, 'kek-2');
    provider = Pkcs11Provider.open({ ...settings, keyLabel: 'kek-2' });
    const crypto = new EnvelopeCrypto(provider);
    expect(provider.activeKey().keyId).toBe('kek-2');
    expect(await crypto.open(old, binding)).toBe('rotate');
    const moved = { ...old, wrappedKey: await crypto.rewrap(old.wrappedKey, binding) };
    expect(moved.wrappedKey.keyId).toBe('kek-2');
    expect(await crypto.open(moved, binding)).toBe('rotate');
    await provider.close();
    provider = undefined;
    expect(() => createPkcs11AesKey(settings, 'kek-2')).toThrow(/already exists/);
  });
});
