import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { TopFaultDto, toTopFaultDto } from '../dto/top-fault.dto';
import { FaultSweeps, ScheduledSweep } from '../scheduled-sweep';
import { TopFaultsRepository, sweepTopFaultCounts } from './top-faults.repository';

const DAY_MS = 86_400_000;
const TOP_RESOURCES = 10;
/** The window of GET /fault/top_faults; the trigger that keeps its counts holds it too (migration 1796800000000). */
export const TOP_WINDOW_DAYS = 14;
const TOP_SAMPLES = 5;
const TOP_WINDOW_SWEEP_SCHEDULE = '* * * * *';

/**
 * Top faults: the 10 resources with most faults (occurrences) in the last 14 days, read from counts the
 * trigger faults_top_window keeps as faults are reported, merged, deleted or expire (docs/faults.md,
 * *Top faults*), and the fault-top-window sweep that forgets the faults that left the window.
 */
@Injectable()
export class TopFaultsService {
  private readonly sweep: ScheduledSweep;

  constructor(
    private readonly repository: TopFaultsRepository,
    private readonly clock: Clock,
    sweeps: FaultSweeps,
  ) {
    // Every minute whatever FAULT_INTELLIGENCE_SCHEDULE says: bookkeeping, not a feature to turn off (unswept,
    // the deltas and the left rows a read adds up would only grow).
    this.sweep = sweeps.add('fault-top-window', sweepTopFaultCounts, TOP_WINDOW_SWEEP_SCHEDULE);
  }

  async topFaults(customerId: string): Promise<TopFaultDto[]> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - TOP_WINDOW_DAYS * DAY_MS);
    const groups = await this.repository.topResources({ customerId, now, since, resources: TOP_RESOURCES, samples: TOP_SAMPLES });
    return groups.map((group) => toTopFaultDto(group, now));
  }

  /** One sweep now (or the one in progress): forgets what left the window, folds the deltas. */
  sweepNow(): Promise<number> {
    return this.sweep.run();
  }
}
