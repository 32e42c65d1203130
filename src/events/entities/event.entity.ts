import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';

/**
 * The transactional outbox: one row per change, written in the change's own
 * transaction. Streams order events by `(xid, seq)` (see docs/events.md: a
 * position below the oldest running transaction's id can no longer gain an
 * event, so a stream never passes an event that commits later); rows are kept
 * EVENTS_RETENTION_HOURS; partitioned by day of `created_at`, a day's partition is dropped once
 * wholly past the retention (PartitionMaintenance).
 */
@Entity({ name: 'events' })
@Index('idx_events_customer_seq', ['customerId', 'seq'])
@Index('idx_events_customer_position', ['customerId', 'xid', 'seq'])
@Index('idx_events_position', ['xid', 'seq'])
@Index('idx_events_created_at', ['createdAt'])
@Index('idx_events_bus_pending', ['seq'], { where: 'bus_pending' })
@Index('idx_events_id', ['id'])
export class EventEntity {
  /** The key leads with the tenant and carries the partition key (daily partitions by created_at). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_events' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'pk_events' })
  id!: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_events' })
  createdAt!: Date;

  @Column({ type: 'bigint' })
  @Generated('increment')
  seq!: string;

  /** The id of the transaction that wrote it (xid8 as a number: 64 bits, never wraps). */
  @Column({ type: 'bigint', default: () => '((pg_current_xact_id())::text)::bigint' })
  xid!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  /** Still to publish on the NATS bus (written true only when NATS_URL is set). */
  @Column({ type: 'boolean', default: false })
  busPending!: boolean;
}
