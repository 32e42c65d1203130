import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { SingleRun } from '../../common/single-run';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue, QueueDefinition } from '../../jobs/job-queue';
import { FaultEntity } from '../entities/fault.entity';
import { FaultAnnouncer } from '../core/fault-announcer';
import { FaultLifecycleRepository } from '../core/fault-lifecycle.repository';
import { registerSweep } from '../scheduled-sweep';
import { SYSTEM_ACTOR } from '../timeline/fault-timeline.service';
import { afterReopen } from './flapping-rules';
import { FaultFlappingRepository } from './fault-flapping.repository';

export const FAULT_FLAPPING_QUEUE: QueueDefinition = { name: 'fault-flapping-stable', policy: 'short', retryLimit: 2, expireInSeconds: 300 };
const BATCH = 500;

/**
 * Flapping: a reopen counts (inside the report's transaction, the fault's row locked); the
 * FAULT_FLAPPING_QUEUE sweep turns faults quiet for a whole window stable again.
 */
@Injectable()
export class FaultFlappingService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly single = new SingleRun<number>(() => this.sweep());

  constructor(
    private readonly repository: FaultFlappingRepository,
    private readonly faults: FaultLifecycleRepository,
    private readonly announcer: FaultAnnouncer,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {}

  onModuleInit(): void {
    registerSweep(this.jobs, FAULT_FLAPPING_QUEUE, this.config.intelligenceSchedule, () => this.markStable());
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.single.stop();
  }

  /** Counts a reopen of `fault` (locked in this transaction); announces fault.flapping when it starts flapping. */
  async onReopen(manager: EntityManager, fault: FaultEntity, now: Date): Promise<FaultEntity> {
    const state = afterReopen(fault.reopenedAt, fault.flapping, fault.flappingSince, now, this.config.flapThreshold, this.config.flapWindowSeconds);
    const updated = await this.repository.setState(manager, fault, state.reopenedAt, state.flapping, state.flappingSince);
    updated.symptomCount = fault.symptomCount;
    if (state.started) {
      await this.announcer.announce(manager, [updated], {
        type: 'fault.flapping',
        kind: 'flapping',
        actor: SYSTEM_ACTOR,
        details: (f) => ({ reopens: f.reopenedAt?.length ?? 0, window_seconds: this.config.flapWindowSeconds }),
      });
    }
    return updated;
  }

  /** One sweep: every fault quiet for a whole window becomes stable (fault.stable once). Answers how many. */
  markStable(): Promise<number> {
    return this.single.run();
  }

  private async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const quietSince = new Date(now.getTime() - this.config.flapWindowSeconds * 1000);
      const stable = await this.faults.transaction(async (manager) => {
        const claimed = await this.repository.claimStable(manager, quietSince, now, BATCH);
        await this.announcer.announce(manager, claimed, { type: 'fault.stable', kind: 'stable', actor: SYSTEM_ACTOR });
        return claimed.length;
      });
      total += stable;
      if (stable < BATCH || this.single.stopping) return total;
    }
  }
}
