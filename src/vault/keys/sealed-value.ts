import { SealedValue, TENANT_KEY_PROVIDER } from '../../kms/envelope';
import { KmsProviderName } from '../../kms/kms-provider.interface';

/** A stored value's columns as a sealed value (formats 1–3). */
export function sealedValue(format: number, provider: string, keyId: string, keyVersion: string, wrapped: Buffer, ciphertext: Buffer): SealedValue {
  return {
    formatVersion: format,
    wrappedKey:
      provider === TENANT_KEY_PROVIDER
        ? { provider: TENANT_KEY_PROVIDER, keyId, keyVersion, ciphertext: wrapped }
        : { provider: provider as KmsProviderName, keyId, keyVersion, ciphertext: wrapped },
    ciphertext,
  };
}
