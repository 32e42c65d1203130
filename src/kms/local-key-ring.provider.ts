import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { LocalKey } from '../config/kms.config';
import { DataKey, KeyContext, KeyRef, KmsKeyError, KmsProvider, WrappedKey, keyContextAad } from './kms-provider.interface';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A short, non-secret fingerprint of a key (its "key check value"), used as the key version. */
export function localKeyVersion(material: Buffer): string {
  return createHmac('sha256', material).update('netops-kms-key-version-v1').digest('hex').slice(0, 12);
}

/**
 * Key-encryption keys held in memory, from KMS_LOCAL_KEYS (or a key file). The
 * last key is active; older keys stay in the ring to open what they wrapped
 * until `vault:rewrap` has moved everything to the active one.
 * Wrapped key layout: iv (12) ‖ AES-256-GCM ciphertext (32) ‖ tag (16).
 */
export class LocalKeyRingProvider implements KmsProvider {
  readonly name = 'local' as const;
  private readonly ring = new Map<string, { material: Buffer; version: string }>();
  private readonly active: KeyRef;

  constructor(keys: LocalKey[]) {
    if (keys.length === 0) throw new KmsKeyError('the local key ring is empty');
    for (const key of keys) {
      if (key.material.length !== 32) throw new KmsKeyError(`local key ${key.id} must be 32 bytes`, key.id);
      this.ring.set(key.id, { material: Buffer.from(key.material), version: localKeyVersion(key.material) });
    }
    const last = keys[keys.length - 1];
    this.active = { provider: 'local', keyId: last.id, keyVersion: this.ring.get(last.id)!.version };
  }

  activeKey(): KeyRef {
    return { ...this.active };
  }

  canUnwrap(ref: KeyRef): boolean {
    return ref.provider === 'local' && this.ring.get(ref.keyId)?.version === ref.keyVersion;
  }

  hasKeyId(keyId: string): boolean {
    return this.ring.has(keyId);
  }

  async generateDataKey(context: KeyContext): Promise<DataKey> {
    const plaintext = randomBytes(32);
    return { plaintext, wrapped: await this.wrapKey(plaintext, context) };
  }

  async wrapKey(plaintext: Buffer, context: KeyContext): Promise<WrappedKey> {
    const ref = this.activeKey();
    const { material } = this.ring.get(ref.keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', material, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(keyContextAad(ref, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ...ref, ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }

  async unwrapKey(wrapped: WrappedKey, context: KeyContext): Promise<Buffer> {
    if (wrapped.provider !== 'local') throw new KmsKeyError(`data key was wrapped by the ${wrapped.provider} provider, not local`, wrapped.keyId);
    const key = this.ring.get(wrapped.keyId);
    if (key === undefined) throw new KmsKeyError(`key ${wrapped.keyId} is not in the local key ring`, wrapped.keyId);
    if (key.version !== wrapped.keyVersion) {
      throw new KmsKeyError(`key ${wrapped.keyId} in the ring (version ${key.version}) is not the key that wrapped this data key (version ${wrapped.keyVersion})`, wrapped.keyId);
    }
    const blob = wrapped.ciphertext;
    if (blob.length < IV_BYTES + TAG_BYTES + 1) throw new KmsKeyError(`wrapped data key under ${wrapped.keyId} is truncated`, wrapped.keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(keyContextAad(wrapped, context));
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new KmsKeyError(`data key under ${wrapped.keyId} does not unwrap: tampered, or bound to another item`, wrapped.keyId);
    }
  }

  async health(): Promise<void> {
    // Keys live in memory: nothing to reach.
  }

  async close(): Promise<void> {
    for (const key of this.ring.values()) key.material.fill(0);
  }
}
