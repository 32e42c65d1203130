import { Injectable, NotFoundException } from '@nestjs/common';
import { VaultConfig } from '../../config/vault.config';
import { EnvelopeCrypto, SealedValue, TenantKeyLookup, ValueBinding } from '../../kms/envelope';
import { KmsKeyGate } from '../../kms/kms-key-gate';
import { VaultItem } from '../entities/vault-item.entity';
import { SealedRow } from '../versions/vault-version.repository';
import { sealedValue } from './sealed-value';
import { TenantKeyDestroyedError, TenantKeyStore } from './tenant-keys';

/** The sealed-value columns of a vault_item row as written. */
export type SealedColumns = Pick<VaultItem, 'encFormat' | 'kmsProvider' | 'kmsKeyId' | 'kmsKeyVersion' | 'wrappedKey' | 'ciphertext'>;

/** Seals new values and opens stored ones (the current value, a kept version, a resolved item). */
@Injectable()
export class VaultSealer {
  constructor(
    private readonly envelope: EnvelopeCrypto,
    private readonly keys: KmsKeyGate,
    private readonly config: VaultConfig,
    private readonly tenantKeys: TenantKeyStore,
  ) {}

  /** Opens format-3 values: their tenant's key, from the bounded in-memory cache. */
  private readonly tenantKeyLookup: TenantKeyLookup = (tenant, keyId) => this.tenantKeys.forRead(tenant, keyId);

  /** Seals a new value under the tenant's key (format 3; created on the tenant's first write), or per value (format 2) with VAULT_TENANT_KEYS=false. */
  async seal(secret: string, binding: ValueBinding): Promise<SealedColumns> {
    await this.keys.assertUsable();
    let sealed: SealedValue;
    try {
      sealed = !this.config.tenantKeys ? await this.envelope.seal(secret, binding) : this.envelope.sealWithTenantKey(secret, binding, await this.tenantKeys.forWrite(binding.tenant));
    } catch (error) {
      if (error instanceof TenantKeyDestroyedError) throw new NotFoundException('This tenant has been offboarded');
      throw error;
    }
    return {
      encFormat: sealed.formatVersion,
      kmsProvider: sealed.wrappedKey.provider,
      kmsKeyId: sealed.wrappedKey.keyId,
      kmsKeyVersion: sealed.wrappedKey.keyVersion,
      wrappedKey: sealed.wrappedKey.ciphertext,
      ciphertext: sealed.ciphertext,
    };
  }

  /** Opens a stored value (columns of vault_item or vault_item_version); an EnvelopeError when it does not open. */
  open(row: SealedColumns | SealedRow, binding: ValueBinding): Promise<string> {
    const sealed = sealedValue(row.encFormat ?? -1, row.kmsProvider ?? '', row.kmsKeyId ?? '', row.kmsKeyVersion ?? '', row.wrappedKey ?? Buffer.alloc(0), row.ciphertext ?? Buffer.alloc(0));
    return this.envelope.open(sealed, binding, this.tenantKeyLookup);
  }
}
