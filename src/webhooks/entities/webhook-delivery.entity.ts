import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One event for one webhook. Created with the event (same transaction);
 * attempts run on the job queue, one lane (webhook + fault or item) at a time,
 * in `id` order, so a healthy receiver sees a fault's events in order.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('idx_webhook_deliveries_webhook_id', ['webhookId', 'id'])
@Index('idx_webhook_deliveries_lane_pending', ['webhookId', 'lane', 'id'], { where: `status = 'pending'` })
@Index('idx_webhook_deliveries_pending_due', ['nextAttemptAt'], { where: `status = 'pending'` })
@Index('idx_webhook_deliveries_id', ['id'])
export class WebhookDeliveryEntity {
  /** The key leads with the tenant and carries the partition key (daily partitions by created_at). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_webhook_deliveries' })
  customerId!: string;

  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_webhook_deliveries' })
  @Generated('increment')
  id!: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'pk_webhook_deliveries' })
  createdAt!: Date;

  @Column({ type: 'varchar', length: 31 })
  webhookId!: string;

  @Column({ type: 'varchar', length: 31 })
  eventId!: string;

  @Column({ type: 'varchar', length: 64 })
  eventType!: string;

  /** Ordering key: the fault or vault item the event is about (else the event itself). */
  @Column({ type: 'varchar', length: 64 })
  lane!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'int', nullable: true })
  lastResponseCode!: number | null;

  @Column({ type: 'varchar', length: 300, nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** While an attempt runs: no other worker takes the lane before this. */
  @Column({ type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}
