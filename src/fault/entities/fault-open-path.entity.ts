import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
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
@Entity({ name: 'fault_open_paths' })
@Index('fault_open_paths_lookup_idx', ['customerId', 'segment', 'own', 'createdAt'])
export class FaultOpenPathEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_open_paths_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_open_paths_pkey' })
  faultId!: string;

  @PrimaryColumn({ type: 'varchar', length: 512, primaryKeyConstraintName: 'fault_open_paths_pkey' })
  segment!: string;

  /** The fault's own resource, not an ancestor. */
  @Column({ type: 'boolean' })
  own!: boolean;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'bigint', transformer: bigintNumber })
  faultTtl!: number;
}
