import { KmsProviderName } from '../config/kms-provider-names';

// The names are configuration (config/ validates KMS_PROVIDER and imports only common/); re-exported for the providers and their users.
export { KMS_PROVIDER_NAMES, type KmsProviderName } from '../config/kms-provider-names';

/**
 * What a wrapped data key is bound to. Providers bind it as associated data
 * (local, PKCS#11) or as the AWS encryption context, so a wrapped key copied
 * to another item or tenant does not unwrap.
 */
export interface KeyContext {
  tenant: string;
  item: string;
}

/** Names the key-encryption key that wrapped a data key; stored beside every wrapped key. */
export interface KeyRef {
  provider: KmsProviderName;
  keyId: string;
  keyVersion: string;
}

export interface WrappedKey extends KeyRef {
  /** Provider-specific bytes; opaque outside the provider. */
  ciphertext: Buffer;
}

export interface DataKey {
  /** 32 random bytes; zero it (`.fill(0)`) when done. */
  plaintext: Buffer;
  wrapped: WrappedKey;
}

/** Thrown when a key cannot be used: unknown key id, wrong key, tampered or mis-bound ciphertext. */
export class KmsKeyError extends Error {
  constructor(
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'KmsKeyError';
  }
}

/**
 * The small interface every key-encryption-key holder implements. Data keys are
 * generated and used by the service; the provider only wraps and unwraps them.
 */
export interface KmsProvider {
  readonly name: KmsProviderName;
  /** The key new data keys are wrapped with. */
  activeKey(): KeyRef;
  /** Whether `ref` names a key this provider can currently unwrap with (without calling out). */
  canUnwrap(ref: KeyRef): boolean;
  /** Whether the provider holds a key under this id, in whatever version (a different version is a wrong key). */
  hasKeyId(keyId: string): boolean;
  /** A fresh random 256-bit data key, wrapped under the active key for `context`. */
  generateDataKey(context: KeyContext): Promise<DataKey>;
  /** Wraps an existing data key under the active key (re-wrap after rotation). */
  wrapKey(plaintext: Buffer, context: KeyContext): Promise<WrappedKey>;
  /** Fails closed (KmsKeyError) for an unknown key, wrong key, tampering or another context. */
  unwrapKey(wrapped: WrappedKey, context: KeyContext): Promise<Buffer>;
  /** Resolves when the provider can serve; rejects with a message safe to show. */
  health(): Promise<void>;
  close(): Promise<void>;
}

export const KMS_PROVIDER = Symbol('KMS_PROVIDER');

/** The associated data both the local and PKCS#11 providers bind a wrapped key to. */
export function keyContextAad(ref: KeyRef, context: KeyContext): Buffer {
  return Buffer.from(JSON.stringify(['kek-wrap-v1', ref.provider, ref.keyId, ref.keyVersion, context.tenant, context.item]), 'utf8');
}
