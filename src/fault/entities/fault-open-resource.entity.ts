import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint-number';

/**
 * Every unresolved fault, one row each: its resource, creation and expiry (migration
 * CorrelationOpenFaults). Topology correlation reads it instead of the partitioned `faults`: the
 * unresolved faults on a report's ancestors are one probe of (customer_id, resource_id), and those
 * below it are the path segments' rows joined by key, and neither touches every partition of
 * `faults` (a read of `faults` without its ttl probes each month's index, about 18 of them).
 * Small and unpartitioned (open faults only); kept equal to the unresolved faults by the triggers
 * faults_open_resources_* in the transaction of every change of `faults`; `fault_ttl` hides an
 * expired fault (`fault_ttl > now`) and names its partition.
 */
@Entity({ name: 'fault_open_resources' })
@Index('fault_open_resources_resource_idx', ['customerId', 'resourceId'])
@Index('fault_open_resources_ttl_idx', ['faultTtl'])
export class FaultOpenResourceEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_open_resources_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_open_resources_pkey' })
  faultId!: string;

  @Column({ type: 'varchar', length: 128 })
  resourceId!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'bigint', transformer: bigintNumber })
  faultTtl!: number;
}
