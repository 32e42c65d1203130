import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint-number';

/**
 * The path of every unresolved fault: one row per segment of its resource_ancestry_path (as
 * pathSegments() splits it) and one for its own resource (`own`), with its creation and expiry
 * (migration CorrelationOpenFaults). Topology correlation reads only this: the unresolved faults on a
 * report's ancestors are the `own` rows of those segments, the ones below it the other rows of its
 * resource's segment created within the window, so a report's candidates touch no partition of
 * `faults` or `fault_path_segments` (a read of a partitioned table without its key sets up every
 * month's partition, about 19 of them). Small and unpartitioned (open faults only); kept equal to the
 * unresolved faults by the triggers faults_open_paths_* in the transaction of every change of
 * `faults`; `fault_ttl` hides an expired fault (`fault_ttl > now`).
 */
// One index, the key (customer_id, segment, own, created_at, fault_id): correlation's ranges read it,
// and the triggers delete a fault's rows by it (recomputing them from the old row), so each new open
// fault writes each of its rows into one index only.
@Entity({ name: 'fault_open_paths' })
export class FaultOpenPathEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_open_paths_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 512, primaryKeyConstraintName: 'fault_open_paths_pkey' })
  segment!: string;

  /** The fault's own resource, not an ancestor. */
  @PrimaryColumn({ type: 'boolean', primaryKeyConstraintName: 'fault_open_paths_pkey' })
  own!: boolean;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'fault_open_paths_pkey' })
  createdAt!: Date;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_open_paths_pkey' })
  faultId!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  faultTtl!: number;
}
