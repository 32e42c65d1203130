import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint-number';

/**
 * A comment on a fault, by the token subject that wrote it; deleted with its fault: no foreign key
 * since `faults` is partitioned (migration PartitionFaults), so DELETE /fault/{id} and the offboarding
 * delete comments explicitly. Partitioned by month of its fault's expiry like `faults` (migration
 * PartitionFaultChildren): retention drops a month's comments with their faults' month.
 */
@Entity({ name: 'fault_comments' })
@Index('fault_comments_fault_created_idx', ['faultId', 'createdAt', 'id'])
export class FaultCommentEntity {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_comments_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'fault_comments_pkey' })
  id!: string;

  @Column({ type: 'varchar', length: 31 })
  faultId!: string;

  /** Its fault's `ttl` (Unix seconds), the partition key: last in the key, as on `faults`. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber, primaryKeyConstraintName: 'fault_comments_pkey' })
  faultTtl!: number;

  @Column({ type: 'varchar', length: 256 })
  userId!: string;

  @Column({ type: 'varchar', length: 2000 })
  comment!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
