import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint-number';

/**
 * One segment of a fault's resource_ancestry_path (e.g. `site_…`), with the
 * fault's created_at copied in, so `?site=` is an index range read in keyset
 * order instead of a scan of every path. Written once with the fault; deleted with it explicitly
 * (no foreign key since `faults` is partitioned: see FaultCommentEntity), and partitioned like
 * comments by month of its fault's expiry.
 */
@Entity({ name: 'fault_path_segments' })
@Index('fault_path_segments_lookup_idx', ['customerId', 'segment', 'createdAt', 'faultId'])
// Reads by fault_id alone (the key (customer_id, fault_id, segment) serves the deletes by fault).
@Index('fault_path_segments_fault_idx', ['faultId'])
export class FaultPathSegmentEntity {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  faultId!: string;

  @PrimaryColumn({ type: 'varchar', length: 512, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  segment!: string;

  /** Its fault's `ttl` (Unix seconds), the partition key: last in the key, as on `faults`. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber, primaryKeyConstraintName: 'fault_path_segments_pkey' })
  faultTtl!: number;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
