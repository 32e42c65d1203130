import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const VAULT_ACTIONS = ['create', 'update', 'restore_version', 'delete', 'restore', 'purge', 'rotate_key', 'resolve', 'verify'] as const;
export const VAULT_OUTCOMES = ['success', 'conflict', 'not_found', 'expired', 'rejected', 'aborted', 'invalid', 'forbidden', 'error'] as const;
export type VaultAction = (typeof VAULT_ACTIONS)[number];
export type VaultOutcome = (typeof VAULT_OUTCOMES)[number];

/** The audit trail: who did what to which item, when, and how it ended. Never a value. */
@Entity({ name: 'vault_event' })
@Index('idx_vault_event_customer_vault', ['customerId', 'vaultId', 'id'])
@Index('idx_vault_event_customer_id', ['customerId', 'id'])
export class VaultEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_vault_event' })
  id!: string;

  /** Null when the tenant is unknown (an API key that matches nothing). */
  @Column({ type: 'varchar', length: 128, nullable: true })
  customerId!: string | null;

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

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
