import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { WrappedKeyColumns } from '../../kms/wrapped-key-columns';

/**
 * A tenant's key: wraps the data keys of the tenant's values (format 3) and is itself wrapped by
 * the KMS provider (provider, key id and key version stored beside it, like a value's). One row per
 * tenant, ever: created on the tenant's first write (INSERT … ON CONFLICT, so two first writes
 * agree on one key), and on offboarding its wrapped bytes are erased and `destroyed_at` set — the
 * row stays, so no new key can be created for an offboarded tenant.
 */
@Entity({ name: 'vault_tenant_key' })
@Index('idx_vault_tenant_key_kms_key', ['kmsProvider', 'kmsKeyId', 'kmsKeyVersion', 'customerId'])
export class VaultTenantKey extends WrappedKeyColumns({ nullable: true }) {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_vault_tenant_key' })
  customerId!: string;

  /** `tk_` + 22 base62 characters; stored as `kms_key_id` of every value it wraps. */
  @Column({ type: 'varchar', length: 64 })
  keyId!: string;

  // kmsProvider, kmsKeyId, kmsKeyVersion, wrappedKey (the 32-byte tenant key wrapped by the KMS provider; null once destroyed): WrappedKeyColumns.

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  destroyedAt!: Date | null;
}
