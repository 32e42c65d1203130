import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WrappedKeyColumns } from '../../kms/wrapped-key-columns';
import { VaultItem } from './vault-item.entity';

/**
 * A replaced value of a secret, kept so it can be restored (at most
 * VAULT_MAX_VERSIONS per item, current one included; older rows are deleted).
 * Sealed like a current value, with its own data key and the version bound
 * into the associated data. Goes with its item (ON DELETE CASCADE).
 */
@Entity({ name: 'vault_item_version' })
@Index('idx_vault_item_version_customer', ['customerId'])
@Index('idx_vault_item_version_kms_key', ['kmsProvider', 'kmsKeyId', 'kmsKeyVersion', 'vaultId'])
// The key maintenance walks every tenant's versions in (vault_id, version) order and updates them by it;
// kept versions are pruned by vault_id: the key leads with customer_id (migration VaultItemsTenantFirstKey).
@Index('idx_vault_item_version_vault', ['vaultId', 'version'])
export class VaultItemVersion extends WrappedKeyColumns() {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_vault_item_version' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 30, primaryKeyConstraintName: 'pk_vault_item_version' })
  vaultId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_vault_item_version' })
  version!: number;

  // (customer_id, vault_id) → vault_item (customer_id, id): a version is its item's tenant's.
  @ManyToOne(() => VaultItem, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'customer_id', referencedColumnName: 'customerId', foreignKeyConstraintName: 'fk_vault_item_version_customer_item' },
    { name: 'vault_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_vault_item_version_customer_item' },
  ])
  item?: VaultItem;

  @Column({ type: 'smallint' })
  encFormat!: number;

  // kmsProvider, kmsKeyId, kmsKeyVersion, wrappedKey (the data key, wrapped): WrappedKeyColumns.

  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  /** `user:<sub>` who set this value; null for values written before versions were recorded. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  createdBy!: string | null;
}
