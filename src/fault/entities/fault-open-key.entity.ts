import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint-number';


/**
 * The dedup_key of each unresolved fault, one row per (tenant, key): the guarantee "one open fault per
 * dedup_key" that a unique index of the partitioned `faults` cannot give (it would have to contain
 * ttl). Small and unpartitioned (open faults with a key only). Kept equal to the open faults by the
 * trigger faults_open_keys in the transaction of every change of `faults`; a report claims its key
 * here first (FaultReportRepository.upsertReport), so concurrent reports of one key serialize on this
 * row. `fault_ttl` names the holder's partition, and lets a report take over the key of an open fault
 * that has expired. Migration PartitionFaults.
 */
@Entity({ name: 'fault_open_keys' })
@Index('fault_open_keys_ttl_idx', ['faultTtl'])
export class FaultOpenKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_open_keys_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'fault_open_keys_pkey' })
  dedupKey!: string;

  @Column({ type: 'varchar', length: 31 })
  faultId!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  faultTtl!: number;
}
