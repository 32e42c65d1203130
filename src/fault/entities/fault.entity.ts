import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const FAULT_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'WARNING'] as const;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];
export const FAULT_STATUSES = ['unresolved', 'resolved'] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

/** bigint columns come back from pg as strings; ttl stays a number in the code. */
const bigintNumber = { to: (v: number): number => v, from: (v: string | null): number | null => (v === null ? null : Number(v)) };

/**
 * One reported fault. Every list index starts with customer_id and ends with
 * (created_at, id), the keyset order, so each filter is an index range read
 * newest first and a page costs the same at any depth.
 */
@Entity({ name: 'faults' })
@Index('faults_customer_created_idx', ['customerId', 'createdAt', 'id'])
@Index('faults_customer_status_created_idx', ['customerId', 'status', 'createdAt', 'id'])
@Index('faults_customer_severity_created_idx', ['customerId', 'severity', 'createdAt', 'id'])
@Index('faults_customer_type_created_idx', ['customerId', 'type', 'createdAt', 'id'])
@Index('faults_customer_resource_created_idx', ['customerId', 'resourceId', 'createdAt', 'id'])
@Index('faults_ttl_idx', ['ttl'])
export class FaultEntity {
  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'faults_pkey' })
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  customerId!: string;

  @Column({ type: 'varchar', length: 128 })
  resourceId!: string;

  @Column({ type: 'varchar', length: 128 })
  microserviceId!: string;

  @Column({ type: 'varchar', length: 128 })
  type!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: FaultStatus;

  @Column({ type: 'varchar', length: 16 })
  severity!: FaultSeverity;

  @Column({ type: 'varchar', length: 500 })
  message!: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  cause!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  resourceAncestryPath!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** Unix seconds after which the purge deletes the fault (created_at + retention). */
  @Column({ type: 'bigint', transformer: bigintNumber })
  ttl!: number;
}
