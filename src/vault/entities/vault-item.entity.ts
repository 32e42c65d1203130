import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { WrappedKeyColumns } from '../../kms/wrapped-key-columns';

export type VaultItemKind = 'secret' | 'api_key';

/**
 * A vault item. An ordinary secret is stored only sealed (envelope encryption:
 * `ciphertext` under a data key, the data key wrapped by the KMS provider, every
 * field needed to open it stored beside it). A workflow API key stores only the
 * SHA-256 of the generated key.
 */
@Entity({ name: 'vault_item' })
@Index('uq_vault_item_customer_name', ['customerId', 'name'], { unique: true })
@Index('idx_vault_item_customer_id', ['customerId', 'id'])
@Index('idx_vault_item_customer_expires', ['customerId', 'expiresAt'])
@Index('idx_vault_item_kms_key', ['kmsProvider', 'kmsKeyId', 'kmsKeyVersion', 'id'])
@Index('uq_vault_item_api_key_hash', ['apiKeyHash'], { unique: true, where: 'api_key_hash IS NOT NULL' })
@Index('uq_vault_item_previous_api_key_hash', ['previousApiKeyHash'], { unique: true, where: 'previous_api_key_hash IS NOT NULL' })
@Index('idx_vault_item_purge_at', ['purgeAt'], { where: 'purge_at IS NOT NULL' })
// Reads by id alone across tenants (the purge's id IN (…), the expiry reminders' and the runner's probes by id).
@Index('idx_vault_item_id', ['id'])
export class VaultItem extends WrappedKeyColumns({ nullable: true }) {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_vault_item' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 30, primaryKeyConstraintName: 'pk_vault_item' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: VaultItemKind;

  /** Sealed-value layout version; null for API keys. */
  @Column({ type: 'smallint', nullable: true })
  encFormat!: number | null;

  // kmsProvider, kmsKeyId, kmsKeyVersion, wrappedKey (the data key, wrapped; null for API keys): WrappedKeyColumns.

  @Column({ type: 'bytea', nullable: true })
  ciphertext!: Buffer | null;

  /** SHA-256 of a workflow API key; null for secrets. */
  @Column({ type: 'bytea', nullable: true })
  apiKeyHash!: Buffer | null;

  /** After a key rotation: the replaced key's hash, still verifying until `previousApiKeyExpiresAt`. */
  @Column({ type: 'bytea', nullable: true })
  previousApiKeyHash!: Buffer | null;

  @Column({ type: 'timestamptz', nullable: true })
  previousApiKeyExpiresAt!: Date | null;

  /** The current version of the value (1 at creation; +1 per replaced value or key rotation). */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** When and by whom the current value (version) was set; null for values older than versioning. */
  @Column({ type: 'timestamptz', nullable: true })
  valueCreatedAt!: Date | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  valueCreatedBy!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  /** Soft-deleted (VAULT_RECOVERY_DAYS > 0): hidden and unusable, restorable until `purgeAt`. */
  @Column({ type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  purgeAt!: Date | null;
}

/** An item's metadata only (no sealed value, no wrapped key, no hash): what reads and responses need. */
export type VaultItemMetadata = Pick<VaultItem, 'id' | 'customerId' | 'name' | 'kind' | 'version' | 'createdAt' | 'updatedAt' | 'expiresAt' | 'lastUsedAt' | 'deletedAt' | 'purgeAt'>;

/**
 * The metadata fields of an item (an entity from rowMapper carries every column's property, the
 * unselected ones unset): what metadata reads hand on, so no sealed-value field travels even empty.
 */
export function vaultItemMetadata(item: VaultItemMetadata): VaultItemMetadata {
  return {
    id: item.id,
    customerId: item.customerId,
    name: item.name,
    kind: item.kind,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    expiresAt: item.expiresAt,
    lastUsedAt: item.lastUsedAt,
    deletedAt: item.deletedAt,
    purgeAt: item.purgeAt,
  };
}
