import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FaultEntity } from './fault.entity';

/** A comment on a fault, by the token subject that wrote it; deleted with its fault. */
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

  @ManyToOne(() => FaultEntity, { onDelete: 'CASCADE' })
  // (customer_id, fault_id) → faults (customer_id, id): a comment is its fault's tenant's.
  @JoinColumn([
    { name: 'customer_id', referencedColumnName: 'customerId', foreignKeyConstraintName: 'fault_comments_customer_fault_fk' },
    { name: 'fault_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fault_comments_customer_fault_fk' },
  ])
  fault?: FaultEntity;

  @Column({ type: 'varchar', length: 256 })
  userId!: string;

  @Column({ type: 'varchar', length: 2000 })
  comment!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
