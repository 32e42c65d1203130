import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FaultConfig } from '../../config/fault.config';
import { FaultEntity } from '../entities/fault.entity';
import { FaultAnnouncer } from '../core/fault-announcer';
import { FaultSweeps, ScheduledSweep } from '../scheduled-sweep';
import { SYSTEM_ACTOR } from '../timeline/fault-timeline.service';
import { afterReopen } from './flapping-rules';
import { FaultFlappingRepository } from './fault-flapping.repository';

/**
 * Flapping: a reopen counts (inside the report's transaction, the fault's row locked); the
 * the fault-flapping-stable sweep turns faults quiet for a whole window stable again.
 */
@Injectable()
export class FaultFlappingService {
  private readonly sweep: ScheduledSweep;

  constructor(
    private readonly repository: FaultFlappingRepository,
    private readonly announcer: FaultAnnouncer,
    private readonly config: FaultConfig,
    sweeps: FaultSweeps,
  ) {
    this.sweep = sweeps.add('fault-flapping-stable', (manager, now, limit) => this.stable(manager, now, limit));
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
    return this.sweep.run();
  }

  private async stable(manager: EntityManager, now: Date, limit: number): Promise<number> {
    const quietSince = new Date(now.getTime() - this.config.flapWindowSeconds * 1000);
    const claimed = await this.repository.claimStable(manager, quietSince, now, limit);
    await this.announcer.announce(manager, claimed, { type: 'fault.stable', kind: 'stable', actor: SYSTEM_ACTOR });
    return claimed.length;
  }
}
