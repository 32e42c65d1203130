import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyContext, KmsKeyError, KmsProvider, WrappedKey } from './kms-provider.interface';

/** Version of the sealed-value layout; stored with every value. */
export const ENVELOPE_FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A value sealed for one tenant and item; every field is stored, so it describes itself. */
export interface SealedValue {
  formatVersion: number;
  /** The data key, wrapped by the KMS provider (provider, key id and key version included). */
  wrappedKey: WrappedKey;
  /** iv (12) ‖ AES-256-GCM ciphertext ‖ tag (16). */
  ciphertext: Buffer;
}

/** Thrown when a sealed value does not open: fail closed, never a partial or wrong value. */
export class EnvelopeError extends Error {
  constructor(
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** The associated data of a sealed value: its format, tenant and item, unambiguously encoded. */
export function valueAad(formatVersion: number, binding: KeyContext): Buffer {
  return Buffer.from(JSON.stringify(['vault-value', formatVersion, binding.tenant, binding.item]), 'utf8');
}

/**
 * Envelope encryption: each value gets a fresh 256-bit data key, is sealed
 * with AES-256-GCM bound to its tenant and item, and only the wrapped data key
 * is kept. Plaintext data keys are zeroed as soon as they have been used.
 */
export class EnvelopeCrypto {
  constructor(private readonly kms: KmsProvider) {}

  async seal(plaintext: string, binding: KeyContext): Promise<SealedValue> {
    const dataKey = await this.kms.generateDataKey(binding);
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', dataKey.plaintext, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(valueAad(ENVELOPE_FORMAT_VERSION, binding));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { formatVersion: ENVELOPE_FORMAT_VERSION, wrappedKey: dataKey.wrapped, ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]) };
    } finally {
      dataKey.plaintext.fill(0);
    }
  }

  async open(sealed: SealedValue, binding: KeyContext): Promise<string> {
    if (sealed.formatVersion !== ENVELOPE_FORMAT_VERSION) throw new EnvelopeError(`unknown sealed-value format ${sealed.formatVersion}`);
    const blob = sealed.ciphertext;
    if (blob.length < IV_BYTES + TAG_BYTES) throw new EnvelopeError('sealed value is truncated', sealed.wrappedKey.keyId);
    let dataKey: Buffer;
    try {
      dataKey = await this.kms.unwrapKey(sealed.wrappedKey, binding);
    } catch (error) {
      if (error instanceof KmsKeyError) throw new EnvelopeError(error.message, error.keyId);
      throw error;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(valueAad(sealed.formatVersion, binding));
      decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new EnvelopeError('sealed value does not open: tampered, or bound to another item', sealed.wrappedKey.keyId);
    } finally {
      dataKey.fill(0);
    }
  }

  /** The same data key, wrapped under the provider's active key; the sealed value itself is untouched. */
  async rewrap(wrapped: WrappedKey, binding: KeyContext): Promise<WrappedKey> {
    const dataKey = await this.kms.unwrapKey(wrapped, binding);
    try {
      return await this.kms.wrapKey(dataKey, binding);
    } finally {
      dataKey.fill(0);
    }
  }
}
