import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FaultSeverity } from '../entities/fault.entity';

/** A tenant's escalation policy (one row per tenant; no row: escalation off). */
@Entity({ name: 'fault_escalation_policies' })
export class EscalationPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_escalation_policies_pkey' })
  customerId!: string;

  @Column({ type: 'varchar', length: 16 })
  minSeverity!: FaultSeverity;

  /** Minutes after the fault was reported (or reopened) at which each step falls due, strictly increasing. */
  @Column({ type: 'integer', array: true })
  afterMinutes!: number[];

  @Column({ type: 'varchar', length: 256 })
  updatedBy!: string;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
