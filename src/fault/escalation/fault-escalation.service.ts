import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TenantPrincipal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { ValidationFailedException } from '../../common/validation';
import { FaultAnnouncer } from '../core/fault-announcer';
import { FaultSweeps, ScheduledSweep } from '../scheduled-sweep';
import { SYSTEM_ACTOR } from '../timeline/fault-timeline.service';
import { EscalationPolicyDto, EscalationPolicyInputDto, toEscalationPolicyDto } from './dto/escalation.dto';
import { EscalationPolicyEntity } from './escalation-policy.entity';
import { policyProblems } from './escalation-rules';
import { FaultEscalationRepository } from './fault-escalation.repository';

/** Escalation of unacknowledged faults: the tenant's policy, and the sweep that announces due steps. */
@Injectable()
export class FaultEscalationService {
  private readonly sweep: ScheduledSweep;

  constructor(
    private readonly repository: FaultEscalationRepository,
    private readonly announcer: FaultAnnouncer,
    private readonly clock: Clock,
    sweeps: FaultSweeps,
  ) {
    this.sweep = sweeps.add('fault-escalation', (manager, now, limit) => this.escalate(manager, now, limit));
  }

  async get(customerId: string): Promise<EscalationPolicyDto> {
    return toEscalationPolicyDto(await this.repository.findPolicy(customerId));
  }

  async put(principal: TenantPrincipal, dto: EscalationPolicyInputDto): Promise<EscalationPolicyDto> {
    const problems = policyProblems(dto.after_minutes);
    if (problems.length > 0) throw new ValidationFailedException([{ field: 'after_minutes', message: problems[0] }]);
    const policy = new EscalationPolicyEntity();
    policy.customerId = principal.customerId;
    policy.minSeverity = dto.min_severity;
    policy.afterMinutes = dto.after_minutes;
    policy.updatedBy = principal.subject;
    policy.updatedAt = this.clock.now();
    await this.repository.savePolicy(policy);
    return toEscalationPolicyDto(policy);
  }

  /** One sweep: every due step announced once (fault.escalated). Answers how many steps. */
  escalateDue(): Promise<number> {
    return this.sweep.run();
  }

  private async escalate(manager: EntityManager, now: Date, limit: number): Promise<number> {
    const due = await this.repository.claimDue(manager, now, limit);
    for (const { fault, step, afterMinutes } of due) {
      await this.announcer.announce(manager, [fault], {
        type: 'fault.escalated',
        kind: 'escalated',
        actor: SYSTEM_ACTOR,
        details: () => ({ step, after_minutes: afterMinutes }),
        eventData: () => ({ step, after_minutes: afterMinutes }),
      });
    }
    return due.length;
  }
}
