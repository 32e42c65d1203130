import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A maintenance window of one tenant: faults reported while it is active and
 * every given matcher equals the fault's (`site` = one segment of the ancestry
 * path) are stored with `silenced: true`.
 */
@Entity({ name: 'fault_silences' })
// A report reads only the tenant's silences that have not ended yet: an index range, never every silence.
@Index('fault_silences_customer_ends_idx', ['customerId', 'endsAt'])
export class FaultSilenceEntity {
  /** Tenant first in the key (docs/scaling.md). */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_silences_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_silences_pkey' })
  id!: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  site!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  resourceId!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  type!: string | null;

  @Column({ type: 'timestamptz' })
  startsAt!: Date;

  @Column({ type: 'timestamptz' })
  endsAt!: Date;

  @Column({ type: 'varchar', length: 500 })
  comment!: string;

  /** A recurring window: RFC 5545 rule (no DTSTART; it starts at starts_at), null for a single window. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  scheduleRrule!: string | null;

  @Column({ type: 'integer', nullable: true })
  scheduleDurationMinutes!: number | null;

  /** IANA time zone the rule is evaluated in. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  scheduleTimezone!: string | null;

  /** The windows are expanded up to here (a scheduled job moves it ahead). */
  @Column({ type: 'timestamptz', nullable: true })
  expandedUntil!: Date | null;

  @Column({ type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
