import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const TIMELINE_KINDS = [
  'created',
  'occurred',
  'severity_raised',
  'updated',
  'acknowledged',
  'unacknowledged',
  'commented',
  'resolved',
  'reopened',
  'correlated',
  'flapping',
  'stable',
  'escalated',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/**
 * One entry of a fault's timeline. The table is partitioned by month of `fault_expires_at`, the
 * expiry (`ttl`) of the fault the entry belongs to, carried on every entry: all of a fault's entries
 * sit in the partition of the month it expires in, and a month's partition is dropped once the month
 * is over, when every fault that could own an entry in it has expired (see timeline-partitions.ts).
 * Its primary key leads with the tenant and carries the partition key. No foreign key to `faults`:
 * its cascade deleted a purged fault's entries row by row, which the partition drop replaces;
 * deleting a fault (DELETE /fault/{id}, offboarding) deletes its entries explicitly.
 */
@Entity({ name: 'fault_timeline' })
export class FaultTimelineEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_timeline_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_timeline_pkey' })
  faultId!: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'fault_timeline_pkey' })
  at!: Date;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', primaryKeyConstraintName: 'fault_timeline_pkey' })
  id!: string;

  /** The fault's `ttl` as a time (the partition key); follows the fault's ttl if it ever changes (trigger on faults). */
  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'fault_timeline_pkey' })
  faultExpiresAt!: Date;

  @Column({ type: 'varchar', length: 32 })
  kind!: TimelineKind;

  /** The token subject, or `system`. */
  @Column({ type: 'varchar', length: 256 })
  actor!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
