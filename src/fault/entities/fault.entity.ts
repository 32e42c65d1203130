import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintNumber } from './bigint-number';

export const FAULT_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'WARNING'] as const;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];
/** Severities from least to most severe: a repeat raises a fault's severity along this order. */
export const SEVERITY_RANK: Readonly<Record<FaultSeverity, number>> = { LOW: 0, WARNING: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
export const FAULT_STATUSES = ['unresolved', 'resolved'] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];


/**
 * One reported fault, in monthly partitions by its expiry (`ttl`; docs/scaling.md). Every list index starts with customer_id and ends with
 * (created_at, id), the keyset order, so each filter is an index range read
 * newest first and a page costs the same at any depth.
 */
@Entity({ name: 'faults' })
@Index('faults_customer_status_created_idx', ['customerId', 'status', 'createdAt', 'id'])
@Index('faults_customer_severity_created_idx', ['customerId', 'severity', 'createdAt', 'id'])
@Index('faults_customer_type_created_idx', ['customerId', 'type', 'createdAt', 'id'])
@Index('faults_customer_resource_created_idx', ['customerId', 'resourceId', 'createdAt', 'id'])
// Reads by id alone across tenants (the purge's and the flapping sweep's id IN (…), the correlation
// function's probes, the timeline's ttl lookup): the key leads with customer_id (migration FaultsTenantFirstKey).
@Index('faults_id_idx', ['id'])
// Lifecycle indexes (partial or on expressions, which TypeORM cannot describe): written by hand in
// migration AddFaultLifecycle and its trigram companion; `synchronize: false` keeps the drift check off them.
// At most one unresolved fault per (tenant, dedup_key): no unique index here (a partitioned table's must
// hold the partition key) but the table fault_open_keys, kept by the trigger faults_open_keys.
// ?dedup_key= in keyset order, and "the newest fault with this key" for a reopen.
@Index('faults_customer_dedup_key_created_idx', { synchronize: false })
// POST /fault/resolve by resource_id + type: only unresolved faults, a small index.
@Index('faults_open_resource_type_idx', { synchronize: false })
// ?acknowledged=true and ?silenced=true: partial indexes of the (few) such faults, in keyset order.
@Index('faults_customer_acknowledged_created_idx', { synchronize: false })
@Index('faults_customer_silenced_created_idx', { synchronize: false })
// The keyset order of a tenant's faults, covering what GET /fault/analytics reads (INCLUDE, which
// TypeORM cannot describe): migration FaultAnalyticsCoveringIndex.
@Index('faults_customer_created_idx', { synchronize: false })
// ?q=: pg_trgm GIN index on message + newline + cause (a query has no newline, so never matches across the two).
@Index('faults_text_trgm_idx', { synchronize: false })
// Fault intelligence (migration FaultIntelligence): ?root_fault_id= and symptom_count, ?flapping=true,
// the flapping faults the stable job reads, and the open unacknowledged roots escalation reads.
@Index('faults_customer_root_created_idx', { synchronize: false })
@Index('faults_customer_flapping_created_idx', { synchronize: false })
@Index('faults_escalation_candidates_idx', { synchronize: false })
export class FaultEntity {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'faults_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'faults_pkey' })
  id!: string;

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

  /** The reporter's key for "the same problem": repeats merge into the one unresolved fault with it. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  dedupKey!: string | null;

  /** Reports merged into this fault, the first included. */
  @Column({ type: 'integer', default: 1 })
  occurrences!: number;

  /**
   * The latest report. NULL on rows written before the lifecycle existed (and never repeated
   * since): read as created_at, so the migration adds the column instantly without a rewrite.
   */
  @Column({ type: 'timestamptz', nullable: true })
  lastOccurredAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  acknowledgedBy!: string | null;

  /** A silence matched when the fault was reported (or reopened): listed as usual, announced to no one. */
  @Column({ type: 'boolean', default: false })
  silenced!: boolean;

  /** The fault on the nearest ancestor of its resource that was open when it was reported (topology correlation). */
  @Column({ type: 'varchar', length: 31, nullable: true })
  rootFaultId!: string | null;

  /** Some fault has (or had) this one as its root: set by a trigger (migration FaultHasSymptoms), so only these count their symptoms. */
  @Column({ type: 'boolean', default: false })
  hasSymptoms!: boolean;

  /** Reopened FAULT_FLAP_THRESHOLD times within FAULT_FLAP_WINDOW_SECONDS; webhooks are damped meanwhile. */
  @Column({ type: 'boolean', default: false })
  flapping!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  flappingSince!: Date | null;

  /** The latest reopens (at most FAULT_FLAP_THRESHOLD of them, oldest first): what flapping counts. */
  @Column({ type: 'timestamptz', array: true, nullable: true })
  reopenedAt!: Date[] | null;

  /** Escalation steps already announced since escalationBaseAt. */
  @Column({ type: 'integer', default: 0 })
  escalationStep!: number;

  /** When escalation steps count from: the last reopen (NULL: created_at). */
  @Column({ type: 'timestamptz', nullable: true })
  escalationBaseAt!: Date | null;

  /** Faults whose root this fault is (computed on read, never stored). */
  symptomCount?: number;

  /**
   * Unix seconds at which the fault expires (created_at + FAULT_RETENTION_DAYS as configured then):
   * hidden from every read from then on, dropped with its month's partition once that month is over.
   * The partition key, hence the key's last column (migration PartitionFaults).
   */
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumber, primaryKeyConstraintName: 'faults_pkey' })
  ttl!: number;
}
