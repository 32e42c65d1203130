import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const VAULT_ACTIONS = ['create', 'update', 'restore_version', 'delete', 'restore', 'purge', 'rotate_key', 'resolve', 'verify'] as const;
export const VAULT_OUTCOMES = ['success', 'conflict', 'not_found', 'expired', 'rejected', 'aborted', 'invalid', 'forbidden', 'error'] as const;
export type VaultAction = (typeof VAULT_ACTIONS)[number];
export type VaultOutcome = (typeof VAULT_OUTCOMES)[number];

/**
 * The tenant of an audit record whose tenant is unknown (an API-key verification that matched no
 * item the caller may see, or a malformed key). The key leads with `customer_id`, so it cannot be
 * null; the empty string can never be a tenant id (a token's tenant, a resolve's `customer_id` and
 * an offboarded id are all at least one character), so no tenant reads, exports or offboards these records.
 */
export const NO_TENANT = '';

/**
 * The audit trail: who did what to which item, when, and how it ended. Never a value.
 * Partitioned by month of `created_at` (migration PartitionVaultAudit; VAULT_AUDIT_RETENTION_DAYS
 * drops whole months); the key leads with the tenant and carries the partition key, and also serves
 * the tenant's trail newest first (`customer_id = $1 ORDER BY id DESC`).
 */
@Entity({ name: 'vault_event' })
@Index('idx_vault_event_customer_vault', ['customerId', 'vaultId', 'id'])
export class VaultEvent {
  /** The tenant; NO_TENANT when unknown. */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_vault_event' })
  customerId!: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_vault_event' })
  id!: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_vault_event' })
  createdAt!: Date;

  /** Null when no item matched (unknown name, conflicting create). Kept after the item is deleted. */
  @Column({ type: 'varchar', length: 30, nullable: true })
  vaultId!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  itemName!: string | null;

  @Column({ type: 'varchar', length: 16 })
  action!: VaultAction;

  @Column({ type: 'varchar', length: 16 })
  outcome!: VaultOutcome;

  /** `user:<sub>` or `service:<sub>`. */
  @Column({ type: 'varchar', length: 300 })
  actor!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;
}
