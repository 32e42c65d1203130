import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A comment on a fault, by the token subject that wrote it; deleted with its fault: no foreign key
 * since `faults` is partitioned (migration PartitionFaults), so DELETE /fault/{id} and the offboarding
 * delete comments explicitly and retention deletes those of a faults partition before dropping it.
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


  @Column({ type: 'varchar', length: 256 })
  userId!: string;

  @Column({ type: 'varchar', length: 2000 })
  comment!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
