import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { SingleRun } from '../common/single-run';
import { FaultConfig } from '../config/fault.config';
import { JobQueue, QueueDefinition } from '../jobs/job-queue';
import { FaultLifecycleRepository } from './core/fault-lifecycle.repository';

/** A sweep runs again this long after it finished, between its cron slots: a due item waits at most ~30 s, not a whole minute. */
export const SWEEP_FOLLOW_UP_MS = 30_000;

/** Every fault sweep's queue but its name: at most one run waits, a run taken for dead after 5 minutes. */
const FAULT_SWEEP_QUEUE: Omit<QueueDefinition, 'name'> = { policy: 'short', retryLimit: 2, expireInSeconds: 300 };
/** Items a fault sweep claims in one transaction. */
const FAULT_SWEEP_BATCH = 500;

/** One batch of a sweep: claims at most `limit` items due at `now` in this transaction, answers how many. */
export type SweepBatch = (manager: EntityManager, now: Date, limit: number) => Promise<number>;

/**
 * A sweep (flapping → stable, escalation steps) on the job queue: a cron schedule (once per slot
 * across every instance) plus one follow-up run queued 30 s after each run (policy `short`: at most
 * one waits). A run takes batches, each in a transaction of its own, until one comes back short or
 * the service stops. What a batch changes it claims in SQL, so overlapping runs never announce
 * twice; runs in one instance (the scheduled one, a direct call to run()) are shared.
 */
export class ScheduledSweep {
  private readonly single = new SingleRun<number>(() => this.sweep());

  constructor(
    private readonly queue: QueueDefinition,
    private readonly batchSize: number,
    private readonly batch: (limit: number) => Promise<number>,
  ) {}

  /** The worker, and the schedule (undefined `cron`: none, and a previous one removed). */
  register(jobs: JobQueue, cron: string | undefined): void {
    const queue = this.queue;
    jobs.register({
      queue,
      handle: async () => {
        await this.run();
        if (cron !== undefined) await jobs.send(queue.name, {}, { singletonKey: queue.name, startAfter: new Date(Date.now() + SWEEP_FOLLOW_UP_MS) });
      },
    });
    jobs.schedule(queue, cron);
  }

  /** One sweep now (or the one in progress): how many items it handled. */
  run(): Promise<number> {
    return this.single.run();
  }

  /** The run in progress ends after its batch. */
  stop(): Promise<void> {
    return this.single.stop();
  }

  private async sweep(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.batch(this.batchSize);
      total += handled;
      if (handled < this.batchSize || this.single.stopping) return total;
    }
  }
}

/**
 * The fault sweeps, on FaultConfig.intelligenceSchedule (or a schedule of their own): each batch a transaction claiming at most
 * 500 faults due at the clock's now. Sweeps are added by their services' constructors (before the job queue starts)
 * and stopped together when the application shuts down.
 */
@Injectable()
export class FaultSweeps implements BeforeApplicationShutdown {
  private readonly sweeps: ScheduledSweep[] = [];

  constructor(
    private readonly jobs: JobQueue,
    private readonly faults: FaultLifecycleRepository,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {}

  /** The sweep of queue `name` (also its schedule's name), on `cron` (FAULT_INTELLIGENCE_SCHEDULE unless given). */
  add(name: string, batch: SweepBatch, cron: string | undefined = this.config.intelligenceSchedule): ScheduledSweep {
    const sweep = new ScheduledSweep({ name, ...FAULT_SWEEP_QUEUE }, FAULT_SWEEP_BATCH, (limit) => {
      const now = this.clock.now();
      return this.faults.transaction((manager) => batch(manager, now, limit));
    });
    sweep.register(this.jobs, cron);
    this.sweeps.push(sweep);
    return sweep;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.sweeps.map((sweep) => sweep.stop()));
  }
}
