import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';

/**
 * The transactional outbox: one row per change, written in the change's own
 * transaction. `seq` orders a tenant's events for stream replay
 * (Last-Event-ID); rows are kept EVENTS_RETENTION_HOURS, then purged.
 */
@Entity({ name: 'events' })
@Index('idx_events_customer_seq', ['customerId', 'seq'])
@Index('idx_events_created_at', ['createdAt'])
@Index('idx_events_bus_pending', ['seq'], { where: 'bus_pending' })
export class EventEntity {
  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'pk_events' })
  id!: string;

  @Column({ type: 'bigint' })
  @Generated('increment')
  seq!: string;

  @Column({ type: 'varchar', length: 128 })
  customerId!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  /** Still to publish on the NATS bus (written true only when NATS_URL is set). */
  @Column({ type: 'boolean', default: false })
  busPending!: boolean;
}
