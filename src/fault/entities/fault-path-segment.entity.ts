import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FaultEntity } from './fault.entity';

/**
 * One segment of a fault's resource_ancestry_path (e.g. `site_…`), with the
 * fault's created_at copied in, so `?site=` is an index range read in keyset
 * order instead of a scan of every path. Written once with the fault.
 */
@Entity({ name: 'fault_path_segments' })
@Index('fault_path_segments_lookup_idx', ['customerId', 'segment', 'createdAt', 'faultId'])
// Served the foreign key's ON DELETE CASCADE by fault_id alone; the key is (customer_id, fault_id) since
// FaultsTenantFirstKey and the key serves it: no longer needed by the cascade (docs/scaling.md).
@Index('fault_path_segments_fault_idx', ['faultId'])
export class FaultPathSegmentEntity {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  faultId!: string;

  @PrimaryColumn({ type: 'varchar', length: 512, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  segment!: string;

  @ManyToOne(() => FaultEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'customer_id', referencedColumnName: 'customerId', foreignKeyConstraintName: 'fault_path_segments_customer_fault_fk' },
    { name: 'fault_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fault_path_segments_customer_fault_fk' },
  ])
  fault?: FaultEntity;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
