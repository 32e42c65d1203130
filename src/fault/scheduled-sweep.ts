import { JobQueue, QueueDefinition } from '../jobs/job-queue';

/** A sweep runs again this long after it finished, between its cron slots: a due item waits at most ~30 s, not a whole minute. */
export const SWEEP_FOLLOW_UP_MS = 30_000;

/**
 * Registers a sweep (flapping → stable, escalation steps) on the job queue: a cron schedule (once per
 * slot across every instance) plus one follow-up run queued 30 s after each run (policy `short`: at
 * most one waits). What a run changes it claims in SQL, so overlapping runs never announce twice.
 */
export function registerSweep(jobs: JobQueue, queue: QueueDefinition, cron: string | undefined, run: () => Promise<unknown>): void {
  jobs.register({
    queue,
    handle: async () => {
      await run();
      if (cron !== undefined) await jobs.send(queue.name, {}, { singletonKey: queue.name, startAfter: new Date(Date.now() + SWEEP_FOLLOW_UP_MS) });
    },
  });
  jobs.schedule(queue, cron);
}
