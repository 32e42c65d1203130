import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS } from '../core/fault-columns';
import { FaultRowMapper } from '../core/fault-row.mapper';
import { EscalationPolicyEntity } from './escalation-policy.entity';

const SEVERITY_ORDER = `ARRAY['LOW','WARNING','MEDIUM','HIGH','CRITICAL']::varchar[]`;

export interface EscalatedFault {
  fault: FaultEntity;
  step: number;
  afterMinutes: number;
}

/** The tenants' escalation policies, and the claim of due steps. */
@Injectable()
export class FaultEscalationRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly mapper: FaultRowMapper,
  ) {}

  findPolicy(customerId: string): Promise<EscalationPolicyEntity | null> {
    return this.dataSource.manager.findOneBy(EscalationPolicyEntity, { customerId });
  }

  async savePolicy(policy: EscalationPolicyEntity): Promise<void> {
    await this.dataSource.manager.upsert(EscalationPolicyEntity, policy, ['customerId']);
  }

  /**
   * Claims the next due step of up to `batch` faults (the rule of escalation-rules.ts, in SQL): rows
   * locked with SKIP LOCKED and the step advanced only from the value read, so two instances running
   * at once announce each step of each fault exactly once. Reads the policies, then each policy's
   * tenant through faults_escalation_candidates_idx (open, unacknowledged, unsilenced roots).
   */
  async claimDue(manager: EntityManager, now: Date, batch: number): Promise<EscalatedFault[]> {
    const [rows]: [Array<Record<string, unknown> & { esc_step: number; esc_after: number }>, number] = await manager.query(
      `WITH due AS (
         SELECT f.id, f.escalation_step + 1 AS step, p.after_minutes[f.escalation_step + 1] AS after_minutes
         FROM fault_escalation_policies p
         JOIN faults f ON f.customer_id = p.customer_id
         WHERE cardinality(p.after_minutes) > 0
           AND f.status = 'unresolved' AND f.acknowledged_at IS NULL AND f.root_fault_id IS NULL AND NOT f.silenced
           AND f.ttl > $2
           AND array_position(${SEVERITY_ORDER}, f.severity) >= array_position(${SEVERITY_ORDER}, p.min_severity)
           AND f.escalation_step < cardinality(p.after_minutes)
           AND coalesce(f.escalation_base_at, f.created_at) + make_interval(mins => p.after_minutes[f.escalation_step + 1]) <= $1
         ORDER BY f.id LIMIT $3
         FOR UPDATE OF f SKIP LOCKED
       )
       UPDATE faults AS f SET escalation_step = due.step FROM due
       WHERE f.id = due.id AND f.escalation_step = due.step - 1
       RETURNING ${FAULT_COLUMNS}, due.step AS esc_step, due.after_minutes AS esc_after`,
      [now, Math.floor(now.getTime() / 1000), batch],
    );
    return rows.map((row) => ({ fault: this.mapper.toFault(row), step: Number(row.esc_step), afterMinutes: Number(row.esc_after) }));
  }
}
