import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const OFFBOARDING_STATES = ['deleting', 'deleted'] as const;
export type OffboardingState = (typeof OFFBOARDING_STATES)[number];

/**
 * One row per offboarded tenant, kept for good (the minimal audit of the offboarding): when it was
 * asked, by whom, how far the deletion got. Its ids feed the set of refused tenants of every instance.
 */
@Entity({ name: 'tenant_offboarding' })
@Index('uq_tenant_offboarding_customer', ['customerId'], { unique: true })
@Index('idx_tenant_offboarding_pending', ['id'], { where: `state = 'deleting'` })
@Index('idx_tenant_offboarding_id', ['id'])
export class TenantOffboarding {
  /** Tenant first in the key (docs/scaling.md); idx_tenant_offboarding_id serves the walk by id across tenants. */
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'pk_tenant_offboarding' })
  customerId!: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_tenant_offboarding' })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: OffboardingState;

  /** `service:<sub>` that asked. */
  @Column({ type: 'varchar', length: 300 })
  requestedBy!: string;

  @Column({ type: 'timestamptz' })
  requestedAt!: Date;

  /** Rows deleted so far, per table. */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  progress!: Record<string, number>;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;
}

export const TENANT_ENTITIES = [TenantOffboarding];
