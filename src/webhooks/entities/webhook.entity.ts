import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { WrappedKeyColumns } from '../../kms/wrapped-key-columns';

/**
 * A tenant's webhook. The signing secret is stored sealed through the KMS
 * provider (envelope encryption, as vault values), bound to tenant and webhook.
 */
@Entity({ name: 'webhooks' })
@Index('idx_webhooks_id', ['id'])
export class WebhookEntity extends WrappedKeyColumns() {
  /** Tenant first in the key (docs/scaling.md); idx_webhooks_id serves the reads across tenants. */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_webhooks' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'pk_webhooks' })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** Filters: `*`, `fault.*`, `vault.*` or exact event types. */
  @Column({ type: 'text', array: true })
  events!: string[];

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  /** Deliver the events of symptom faults (root_fault_id set) too; by default only roots' events. */
  @Column({ type: 'boolean', default: false })
  includeSymptoms!: boolean;

  /** Why the service disabled it (e.g. failing for 3 days); null when a user did, or when enabled. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  disabledReason!: string | null;

  /** Start of the current run of failed attempts; null while deliveries succeed. */
  @Column({ type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  @Column({ type: 'smallint' })
  secretFormat!: number;

  // kmsProvider, kmsKeyId, kmsKeyVersion, wrappedKey (the secret's data key, wrapped): WrappedKeyColumns.

  @Column({ type: 'bytea' })
  secretCiphertext!: Buffer;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
