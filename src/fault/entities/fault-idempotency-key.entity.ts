import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The first response to a `POST /fault` with an Idempotency-Key, replayed for 24 hours. Partitioned
 * by day of `created_at`, which its primary key therefore carries: (customer_id, key) alone is no
 * longer unique across partitions, so exactly-once is the claim's advisory lock (FaultIdempotencyRepository).
 */
@Entity({ name: 'fault_idempotency_keys' })
export class FaultIdempotencyKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_idempotency_keys_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'fault_idempotency_keys_pkey' })
  key!: string;

  /** SHA-256 of the normalized request (caller kind and body). */
  @Column({ type: 'char', length: 64 })
  requestHash!: string;

  @Column({ type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  responseBody!: unknown;

  /** What the first request did with a dedup_key (`deduplicated`, `reopened`), replayed as its header; null for a creation. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  responseOutcome!: string | null;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'fault_idempotency_keys_pkey' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
