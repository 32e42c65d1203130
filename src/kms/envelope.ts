import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyContext, KmsKeyError, KmsProvider, WrappedKey } from './kms-provider.interface';

/**
 * Sealed-value layouts; the format is stored with every value.
 * 1: AAD binds tenant and item (values written before versions existed; still opened).
 * 2: AAD binds tenant, item and version, so one version's ciphertext does not open as another's.
 */
export const LEGACY_FORMAT_VERSION = 1;
export const ENVELOPE_FORMAT_VERSION = 2;
/**
 * 3: as 2, but the data key is wrapped by the tenant's key (AES-256-GCM, AAD binding tenant, tenant key, item and
 * version), itself wrapped by the KMS provider: destroying the tenant key makes every value of the tenant unreadable.
 */
export const TENANT_KEY_FORMAT_VERSION = 3;
/** `kms_provider` of a data key wrapped by a tenant key rather than by the KMS provider. */
export const TENANT_KEY_PROVIDER = 'tenant';

/** A tenant's key, unwrapped (held briefly in memory): its id and its 32 bytes. */
export interface TenantKeyMaterial {
  keyId: string;
  material: Buffer;
}

/** Where a format-3 value's data key is: wrapped by tenant key `keyId`. */
export interface TenantWrappedKey {
  provider: typeof TENANT_KEY_PROVIDER;
  keyId: string;
  keyVersion: string;
  ciphertext: Buffer;
}

/** Opens format-3 values: the tenant's key, by tenant and key id (cached by the caller). */
export type TenantKeyLookup = (tenant: string, keyId: string) => Promise<TenantKeyMaterial>;

/** What a sealed value is bound to: its tenant, item and version. */
export interface ValueBinding extends KeyContext {
  version: number;
}
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A value sealed for one tenant and item; every field is stored, so it describes itself. */
export interface SealedValue<K extends WrappedKey | TenantWrappedKey = WrappedKey | TenantWrappedKey> {
  formatVersion: number;
  /** The data key, wrapped by the KMS provider (formats 1, 2) or by the tenant key (format 3). */
  wrappedKey: K;
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

/** The associated data of a sealed value: its format, tenant, item and (format 2) version, unambiguously encoded. */
/** The associated data of a data key wrapped by a tenant key: tenant, tenant key, item and version. */
function tenantWrapAad(keyId: string, binding: ValueBinding): Buffer {
  return Buffer.from(JSON.stringify(['tenant-wrap-v1', binding.tenant, keyId, binding.item, binding.version]), 'utf8');
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** Throws on anything that does not authenticate. */
function gcmOpen(key: Buffer, blob: Buffer, aad: Buffer): Buffer {
  if (blob.length < IV_BYTES + TAG_BYTES) throw new Error('truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
  return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
}

export function valueAad(formatVersion: number, binding: ValueBinding): Buffer {
  const fields = formatVersion === LEGACY_FORMAT_VERSION ? [binding.tenant, binding.item] : [binding.tenant, binding.item, binding.version];
  return Buffer.from(JSON.stringify(['vault-value', formatVersion, ...fields]), 'utf8');
}

/** The KMS context of a value's data key: tenant and item (the version is bound by the value's AAD). */
function kmsContext(binding: KeyContext): KeyContext {
  return { tenant: binding.tenant, item: binding.item };
}

/**
 * Envelope encryption: each value gets a fresh 256-bit data key, is sealed
 * with AES-256-GCM bound to its tenant and item, and only the wrapped data key
 * is kept. Plaintext data keys are zeroed as soon as they have been used.
 */
export class EnvelopeCrypto {
  constructor(private readonly kms: KmsProvider) {}

  async seal(plaintext: string, binding: ValueBinding): Promise<SealedValue<WrappedKey>> {
    const dataKey = await this.kms.generateDataKey(kmsContext(binding));
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

  /** Format 3: a fresh data key wrapped by the tenant's key; the KMS provider is not called. */
  sealWithTenantKey(plaintext: string, binding: ValueBinding, tenantKey: TenantKeyMaterial): SealedValue<TenantWrappedKey> {
    const dataKey = randomBytes(32);
    try {
      return {
        formatVersion: TENANT_KEY_FORMAT_VERSION,
        wrappedKey: { provider: TENANT_KEY_PROVIDER, keyId: tenantKey.keyId, keyVersion: '1', ciphertext: gcmSeal(tenantKey.material, dataKey, tenantWrapAad(tenantKey.keyId, binding)) },
        ciphertext: gcmSeal(dataKey, Buffer.from(plaintext, 'utf8'), valueAad(TENANT_KEY_FORMAT_VERSION, binding)),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Opens every format: 1 and 2 through the KMS provider, 3 through the tenant key `tenantKeys` finds. */
  async open(sealed: SealedValue, binding: ValueBinding, tenantKeys?: TenantKeyLookup): Promise<string> {
    if (sealed.formatVersion !== ENVELOPE_FORMAT_VERSION && sealed.formatVersion !== LEGACY_FORMAT_VERSION && sealed.formatVersion !== TENANT_KEY_FORMAT_VERSION) {
      throw new EnvelopeError(`unknown sealed-value format ${sealed.formatVersion}`);
    }
    const blob = sealed.ciphertext;
    if (blob.length < IV_BYTES + TAG_BYTES) throw new EnvelopeError('sealed value is truncated', sealed.wrappedKey.keyId);
    let dataKey: Buffer;
    if (sealed.formatVersion === TENANT_KEY_FORMAT_VERSION) {
      if (sealed.wrappedKey.provider !== TENANT_KEY_PROVIDER || tenantKeys === undefined) throw new EnvelopeError('a format-3 value needs its tenant key', sealed.wrappedKey.keyId);
      const tenantKey = await tenantKeys(binding.tenant, sealed.wrappedKey.keyId);
      try {
        dataKey = gcmOpen(tenantKey.material, sealed.wrappedKey.ciphertext, tenantWrapAad(sealed.wrappedKey.keyId, binding));
      } catch {
        throw new EnvelopeError('data key does not unwrap under the tenant key: tampered, or bound to another item', sealed.wrappedKey.keyId);
      }
    } else {
      if (sealed.wrappedKey.provider === TENANT_KEY_PROVIDER) throw new EnvelopeError(`a format-${sealed.formatVersion} value must be wrapped by the KMS provider`, sealed.wrappedKey.keyId);
      try {
        dataKey = await this.kms.unwrapKey(sealed.wrappedKey, kmsContext(binding));
      } catch (error) {
        if (error instanceof KmsKeyError) throw new EnvelopeError(error.message, error.keyId);
        throw error;
      }
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
