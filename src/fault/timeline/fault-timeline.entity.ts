import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { FaultEntity } from '../entities/fault.entity';

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
 * One entry of a fault's timeline. It grows with time, so its primary key leads with the tenant and
 * carries the time column (`customer_id, fault_id, at, id`): the table can be partitioned by range
 * of `at` without changing a key. Deleted with its fault (cascade; an explicit delete once faults
 * themselves are partitioned).
 */
@Entity({ name: 'fault_timeline' })
@Index('fault_timeline_fault_idx', ['faultId'])
export class FaultTimelineEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_timeline_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_timeline_pkey' })
  faultId!: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'fault_timeline_pkey' })
  at!: Date;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', primaryKeyConstraintName: 'fault_timeline_pkey' })
  id!: string;

  @ManyToOne(() => FaultEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'fault_id', foreignKeyConstraintName: 'fault_timeline_fault_fk' })
  fault?: FaultEntity;

  @Column({ type: 'varchar', length: 32 })
  kind!: TimelineKind;

  /** The token subject, or `system`. */
  @Column({ type: 'varchar', length: 256 })
  actor!: string;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
