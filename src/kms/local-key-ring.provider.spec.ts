import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { inspect } from 'node:util';
import { KmsConfig } from '../config/kms.config';
import { ConfigValidationError } from '../config/env';
import { LocalKeyRingProvider } from './local-key-ring.provider';
import { KmsKeyError } from './kms-provider.interface';

describe('local key ring', () => {
  const b64 = () => randomBytes(32).toString('base64');

  it('reads KMS_LOCAL_KEYS with the last key active', () => {
    const config = KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_LOCAL_KEYS: `old:${b64()}, new:${b64()}` });
    const ring = new LocalKeyRingProvider(config.local!.keys);
    expect(ring.activeKey().keyId).toBe('new');
    expect(ring.hasKeyId('old')).toBe(true);
  });

  it.each([
    ['a key of the wrong length', `k1:${randomBytes(16).toString('base64')}`],
    ['a missing id', `${b64()}`],
    ['a duplicate id', `k1:${b64()},k1:${b64()}`],
    ['a non-random key', `k1:${Buffer.alloc(32).toString('base64')}`],
  ])('refuses %s', (_why, value) => {
    expect(() => KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_LOCAL_KEYS: value })).toThrow(ConfigValidationError);
  });

  it('refuses to start in production without keys, and never echoes key material', () => {
    expect(() => KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, NODE_ENV: 'production' })).toThrow(/KMS_LOCAL_KEYS is required/);
    const secret = randomBytes(16).toString('base64');
    try {
      KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_LOCAL_KEYS: `k1:${secret}` });
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('keeps key material and the PIN out of JSON and inspect output', () => {
    const material = b64();
    const config = KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_LOCAL_KEYS: `k1:${material}` });
    expect(config.local!.keys[0].material).toHaveLength(32);
    const hex = Buffer.from(material, 'base64').toString('hex');
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 })]) {
      expect(text).not.toContain(material);
      expect(text).not.toContain(hex);
      expect(text).not.toMatch(/material/);
    }
    const hsm = KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_PROVIDER: 'pkcs11', PKCS11_MODULE_PATH: '/x.so', PKCS11_TOKEN_LABEL: 't', PKCS11_PIN: 'pin-1234-secret', PKCS11_KEY_LABEL: 'k' });
    expect(hsm.pkcs11!.pin).toBe('pin-1234-secret');
    expect(JSON.stringify(hsm)).not.toContain('pin-1234-secret');
  });

  it('creates a development key file once and reuses it', () => {
    const dir = `${os.tmpdir()}/kms-dev-${process.pid}-${Date.now()}`;
    const a = KmsConfig.fromEnv({ DATA_DIR: dir });
    const b = KmsConfig.fromEnv({ DATA_DIR: dir });
    expect(a.local!.devKeyFile).toContain(dir);
    expect(a.local!.keys[0].material.equals(b.local!.keys[0].material)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('requires the provider-specific variables', () => {
    expect(() => KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_PROVIDER: 'pkcs11' })).toThrow(/PKCS11_MODULE_PATH[\s\S]*PKCS11_PIN/);
    expect(() => KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_PROVIDER: 'aws-kms' })).toThrow(/AWS_KMS_KEY_ID/);
    expect(() => KmsConfig.fromEnv({ DATA_DIR: process.env.DATA_DIR, KMS_PROVIDER: 'vault' })).toThrow(/KMS_PROVIDER/);
  });

  it('refuses an empty ring', () => {
    expect(() => new LocalKeyRingProvider([])).toThrow(KmsKeyError);
  });
});
