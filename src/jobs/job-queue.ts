import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { EntityManager } from 'typeorm';
import { JobsConfig } from '../config/jobs.config';
import { afterCommit } from '../database/after-commit';
import { inJobSpan, withTraceContext } from '../tracing/job-tracing';
import { installJobSchema } from './install-job-schema';

export interface QueueDefinition {
  name: string;
  /** `short`: at most one queued job per singletonKey (later sends are dropped while one waits). */
  policy?: 'standard' | 'short';
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** A running job not finished after this long is taken for dead (worker killed) and retried. */
  expireInSeconds?: number;
}

export interface WorkerDefinition<T> {
  queue: QueueDefinition;
  /** Jobs of this queue handled at once by this instance. */
  concurrency?: number;
  handle(data: T): Promise<void>;
}

export interface SendOptions {
  singletonKey?: string;
  startAfter?: Date;
  /** Jobs of higher priority are fetched first (default 0); a negative one yields to every fresh job. */
  priority?: number;
  /** Enqueue inside this transaction: the job exists if and only if the transaction commits. */
  manager?: EntityManager;
}

/**
 * The job queue: pg-boss on the service's PostgreSQL (embedded or external),
 * its schema installed by installJobSchema() (safe against instances starting
 * at once) and migrated by pg-boss itself under its advisory lock.
 * Feature modules register queues, workers and cron schedules in their
 * onModuleInit; everything starts once the application boots and stops —
 * letting running jobs finish — when it shuts down.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly boss: PgBoss;
  private readonly workers: Array<WorkerDefinition<object>> = [];
  private readonly schedules: Array<{ queue: QueueDefinition; cron: string }> = [];
  private readonly unscheduled: string[] = [];
  private readonly workerIds = new Map<string, string[]>();
  /** Handlers running now: shutdown waits for them (within its budget) after pg-boss stopped fetching. */
  private readonly running = new Set<Promise<void>>();
  private started: Promise<void> | undefined;
  private stopped = false;
  private markStarted!: () => void;
  private readonly startedSignal = new Promise<void>((resolve) => (this.markStarted = resolve));

  constructor(
    private readonly databaseUrl: string,
    private readonly config: JobsConfig,
  ) {
    this.boss = new PgBoss({
      connectionString: databaseUrl,
      schema: config.schema,
      max: config.poolSize,
      application_name: 'netops-jobs',
      maintenanceIntervalSeconds: config.maintenanceIntervalSeconds,
      // Finished jobs are kept a day for inspection, then deleted by maintenance.
      deleteAfterDays: 1,
      archiveCompletedAfterSeconds: 3600,
    });
    this.boss.on('error', (error: Error) => this.logger.error(`job queue: ${error.message}`));
  }

  /** Registers a worker; started with the queue. */
  register<T extends object>(worker: WorkerDefinition<T>): void {
    this.workers.push(worker);
  }

  /**
   * Runs `queue` on a cron schedule (UTC; once per slot across every instance). Undefined removes
   * the queue's schedule (pg-boss keeps schedules in the database, so one switched off must go).
   */
  schedule(queue: QueueDefinition, cron: string | undefined): void {
    if (cron === undefined) this.unscheduled.push(queue.name);
    else this.schedules.push({ queue, cron });
  }

  /** Starts once every module has registered its workers and schedules (in their onModuleInit). */
  async onApplicationBootstrap(): Promise<void> {
    this.started = this.start();
    await this.started;
    this.markStarted();
  }

  /** Resolves once the queue runs (never awaited inside another module's bootstrap hook: that would wait on itself). */
  whenStarted(): Promise<void> {
    return this.startedSignal;
  }

  private async start(): Promise<void> {
    await installJobSchema(this.databaseUrl, this.config.schema);
    await this.boss.start();
    const queues = new Map<string, QueueDefinition>();
    for (const w of this.workers) queues.set(w.queue.name, w.queue);
    for (const s of this.schedules) queues.set(s.queue.name, s.queue);
    for (const queue of queues.values()) await this.ensureQueue(queue);
    for (const s of this.schedules) await this.boss.schedule(s.queue.name, s.cron, {}, { tz: 'UTC', singletonKey: s.queue.name });
    for (const name of this.unscheduled) await this.boss.unschedule(name);
    for (const w of this.workers) {
      const ids: string[] = [];
      for (let i = 0; i < (w.concurrency ?? 1); i++) {
        ids.push(
          await this.boss.work(w.queue.name, { batchSize: 1, pollingIntervalSeconds: this.config.pollingIntervalSeconds }, async ([job]: Array<PgBoss.Job<object>>) => {
            if (job === undefined) return;
            const run = inJobSpan(w.queue.name, job.data, () => w.handle(job.data));
            this.running.add(run);
            try {
              await run;
            } catch (error) {
              // pg-boss retries it (the queue's retryLimit): said once here, without the job's data.
              this.logger.warn(`job of ${w.queue.name} failed: ${(error as Error).message}`);
              throw error;
            } finally {
              this.running.delete(run);
            }
          }),
        );
      }
      this.workerIds.set(w.queue.name, ids);
    }
    this.logger.log(`job queue started (schema ${this.config.schema}; ${this.workers.length} workers, ${this.schedules.length} schedules)`);
  }

  private async ensureQueue(queue: QueueDefinition): Promise<void> {
    const options = {
      name: queue.name,
      policy: queue.policy ?? 'standard',
      retryLimit: queue.retryLimit ?? 5,
      retryDelay: queue.retryDelaySeconds ?? 5,
      retryBackoff: queue.retryBackoff ?? true,
      expireInSeconds: queue.expireInSeconds ?? 900,
    };
    // Instances starting at the same moment may deadlock creating the same queue (pg-boss creates a
    // partition per queue): the loser retries after a short random pause and then finds it created.
    for (let attempt = 1; ; attempt++) {
      try {
        if ((await this.boss.getQueue(queue.name)) === null) await this.boss.createQueue(queue.name, options);
        else await this.boss.updateQueue(queue.name, options);
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
      }
    }
  }

  /**
   * Enqueues a job; with `manager`, as part of that transaction. Null when a `short` queue already
   * holds one waiting for the key. In a transaction that waiting job may be fetched and finish
   * before this transaction commits, without seeing its changes: so a send it dropped is sent again
   * once the transaction commits, and a job always runs after the commit.
   */
  async send(queue: string, data: object, options: SendOptions = {}): Promise<string | null> {
    const { manager, ...rest } = options;
    const db = manager === undefined ? undefined : { executeSql: async (text: string, values: unknown[]) => ({ rows: await manager.query<unknown[]>(text, values) }) };
    const id = await this.boss.send(queue, withTraceContext(data), {
      ...(rest.singletonKey !== undefined ? { singletonKey: rest.singletonKey } : {}),
      ...(rest.startAfter !== undefined ? { startAfter: rest.startAfter } : {}),
      ...(rest.priority !== undefined ? { priority: rest.priority } : {}),
      ...(db !== undefined ? { db } : {}),
    });
    if (id === null && manager !== undefined) {
      afterCommit(manager, () => {
        this.send(queue, data, rest).catch((error: Error) => this.logger.warn(`job of ${queue} not queued after commit (the next sweep queues it): ${error.message}`));
      });
    }
    return id;
  }

  /** Wakes this instance's idle workers of `queue` now instead of at their next poll. */
  wake(queue: string): void {
    for (const id of this.workerIds.get(queue) ?? []) this.boss.notifyWorker(id);
  }

  /**
   * Before the HTTP server and the database pool close: workers stop fetching, running jobs get
   * half the shutdown budget to finish; whatever does not finish is retried by another instance
   * (or this one after a restart) once its job expires. Jobs enqueued later by in-flight requests
   * go through their own transaction, not this pool.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.started?.catch(() => undefined);
    const budgetEnds = Date.now() + this.config.shutdownTimeoutSeconds * 900;
    await this.boss.stop({ graceful: true, wait: true, close: true, timeout: this.config.shutdownTimeoutSeconds * 500 }).catch((error: Error) => {
      this.logger.warn(`job queue did not stop cleanly: ${error.message}`);
    });
    // pg-boss resolves stop() when its wait times out, with handlers (e.g. a delivery to a slow
    // receiver) still running and their workers not yet stopped; wait for them within the budget.
    if (this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, budgetEnds - Date.now()))));
      await Promise.race([Promise.allSettled([...this.running]), budget]);
      clearTimeout(timer);
      if (this.running.size > 0) this.logger.warn(`${this.running.size} jobs still running at shutdown; they expire and are retried`);
    }
  }
}
