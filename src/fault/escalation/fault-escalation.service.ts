import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { TenantPrincipal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { SingleRun } from '../../common/single-run';
import { ValidationFailedException } from '../../common/validation';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue, QueueDefinition } from '../../jobs/job-queue';
import { FaultAnnouncer } from '../core/fault-announcer';
import { FaultLifecycleRepository } from '../core/fault-lifecycle.repository';
import { registerSweep } from '../scheduled-sweep';
import { SYSTEM_ACTOR } from '../timeline/fault-timeline.service';
import { EscalationPolicyDto, EscalationPolicyInputDto, toEscalationPolicyDto } from './dto/escalation.dto';
import { EscalationPolicyEntity } from './escalation-policy.entity';
import { policyProblems } from './escalation-rules';
import { FaultEscalationRepository } from './fault-escalation.repository';

export const FAULT_ESCALATION_QUEUE: QueueDefinition = { name: 'fault-escalation', policy: 'short', retryLimit: 2, expireInSeconds: 300 };
const BATCH = 500;

/** Escalation of unacknowledged faults: the tenant's policy, and the sweep that announces due steps. */
@Injectable()
export class FaultEscalationService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly single = new SingleRun<number>(() => this.sweep());

  constructor(
    private readonly repository: FaultEscalationRepository,
    private readonly faults: FaultLifecycleRepository,
    private readonly announcer: FaultAnnouncer,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {}

  onModuleInit(): void {
    registerSweep(this.jobs, FAULT_ESCALATION_QUEUE, this.config.intelligenceSchedule, () => this.escalateDue());
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.single.stop();
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
    return this.single.run();
  }

  private async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const claimed = await this.faults.transaction(async (manager) => {
        const due = await this.repository.claimDue(manager, now, BATCH);
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
      });
      total += claimed;
      if (claimed < BATCH || this.single.stopping) return total;
    }
  }
}
