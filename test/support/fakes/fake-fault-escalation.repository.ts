import { EntityManager } from 'typeorm';
import { EscalationPolicyEntity } from '../../../src/fault/escalation/escalation-policy.entity';
import { dueStep } from '../../../src/fault/escalation/escalation-rules';
import { EscalatedFault, FaultEscalationRepository } from '../../../src/fault/escalation/fault-escalation.repository';
import { FakeFaultStore } from './fault-store';

/**
 * FaultEscalationRepository in memory: the tenants' policies, and claimDue with the rule the SQL
 * implements (escalation-rules.ts's dueStep): one step per fault per claim, the step advanced in the store.
 */
export class FakeFaultEscalationRepository implements Pick<FaultEscalationRepository, 'findPolicy' | 'savePolicy' | 'claimDue'> {
  readonly policies = new Map<string, EscalationPolicyEntity>();
  readonly claims: Array<{ now: Date; batch: number }> = [];

  constructor(readonly store: FakeFaultStore) {}

  async findPolicy(customerId: string): Promise<EscalationPolicyEntity | null> {
    const policy = this.policies.get(customerId);
    return policy === undefined ? null : Object.assign(new EscalationPolicyEntity(), policy);
  }

  async savePolicy(policy: EscalationPolicyEntity): Promise<void> {
    this.policies.set(policy.customerId, Object.assign(new EscalationPolicyEntity(), policy, { afterMinutes: [...policy.afterMinutes] }));
  }

  async claimDue(_manager: EntityManager, now: Date, batch: number): Promise<EscalatedFault[]> {
    this.claims.push({ now, batch });
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const claimed: EscalatedFault[] = [];
    for (const fault of this.store.all().sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (claimed.length >= batch) break;
      const policy = this.policies.get(fault.customerId);
      if (policy === undefined || fault.ttl <= nowSeconds) continue;
      const due = dueStep(
        policy,
        {
          status: fault.status,
          severity: fault.severity,
          acknowledged: fault.acknowledgedAt !== null,
          silenced: fault.silenced,
          rootFaultId: fault.rootFaultId,
          step: fault.escalationStep,
          baseAt: fault.escalationBaseAt ?? fault.createdAt,
        },
        now,
      );
      if (due === null) continue;
      this.store.row(fault.id)!.escalationStep = due.step;
      claimed.push({ fault: this.store.get(fault.id)!, step: due.step, afterMinutes: due.afterMinutes });
    }
    return claimed;
  }
}
