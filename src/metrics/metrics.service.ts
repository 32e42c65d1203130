import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Pool } from 'pg';
import { Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { UserTokenVerifier } from '../auth/user-token.verifier';
import { JobsConfig } from '../config/jobs.config';
import { MetricsConfig } from '../config/metrics.config';
import { EventStreamHub } from '../events';
import { ReadinessRegistry, ReadinessResult } from '../health/readiness.registry';
import { DatabaseSnapshot, readDatabaseSnapshot } from './database-snapshot';
import { processRegistry } from './instruments';

/** `promise`, or undefined once `ms` have passed (the promise goes on; its result is used by a later scrape). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What `/metrics` serves: the process's instruments plus this application's gauges, read at scrape
 * time. Gauges needing a query (job queues, outbox) come from one snapshot read at most every
 * METRICS_QUERY_CACHE_MS, each read waiting at most METRICS_QUERY_TIMEOUT_MS (a slow database makes
 * a scrape serve the last values and count the miss, never hang); nothing here runs on a request's path.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger('Metrics');
  private readonly appRegistry = new Registry();
  readonly registry: Registry;
  private snapshot: { atMs: number; value: DatabaseSnapshot } | undefined;
  private reading: Promise<DatabaseSnapshot | undefined> | undefined;
  private readiness: ReadinessResult | undefined;
  private readonly jwksSeen = { success: 0, failure: 0 };
  private readonly gauges;

  constructor(
    private readonly config: MetricsConfig,
    private readonly jobsConfig: JobsConfig,
    private readonly dataSource: DataSource,
    private readonly readinessChecks: ReadinessRegistry,
    private readonly moduleRef: ModuleRef,
  ) {
    const registers = [this.appRegistry];
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => new Gauge({ name, help, labelNames, registers });
    this.gauges = {
      poolInUse: gauge('netops_db_pool_connections_in_use', 'Connections of the application pool running a query or transaction.'),
      poolIdle: gauge('netops_db_pool_connections_idle', 'Open connections of the application pool waiting for work.'),
      poolWaiting: gauge('netops_db_pool_waiting_requests', 'Queries waiting for a connection of the application pool (the pool is exhausted when this stays above 0).'),
      queueDepth: gauge('netops_job_queue_depth', 'Jobs waiting whose start time has come, by queue.', ['queue']),
      queueDeferred: gauge('netops_job_queue_deferred', 'Jobs waiting for a later start (retries backing off, delayed lanes), by queue.', ['queue']),
      queueActive: gauge('netops_job_queue_active', 'Jobs running now on any instance, by queue.', ['queue']),
      queueOldest: gauge('netops_job_queue_oldest_age_seconds', 'How long the oldest due job of a queue has waited to start (0: none waits).', ['queue']),
      outbox: gauge('netops_outbox_undelivered', 'Outbox entries not delivered yet: webhook (deliveries pending, retries included) and bus (events not yet published on NATS).', ['target']),
      outboxOldest: gauge('netops_outbox_oldest_undelivered_age_seconds', 'Age of the oldest undelivered outbox entry, by target (0: none).', ['target']),
      snapshotAge: gauge('netops_metrics_database_snapshot_age_seconds', 'Age of the queue and outbox values served (grows when their query keeps timing out).'),
      streams: gauge('netops_sse_open_streams', 'Server-Sent-Events streams open on this instance.'),
      ready: gauge('netops_ready', 'Whether readiness checks pass (1) or not (0), as /health/ready answers.'),
      readyCheck: gauge('netops_readiness_check_up', 'Each readiness check: up (1) or down (0).', ['check']),
    };
    this.jwksRefreshes = new Counter({ name: 'netops_jwks_refreshes_total', help: "Fetches of the identity provider's JWKS by outcome (success, failure); stays 0 without JWT_JWKS_URL.", labelNames: ['outcome'], registers });
    this.snapshotFailures = new Counter({ name: 'netops_metrics_database_snapshot_failures_total', help: 'Scrape-time reads of the queue and outbox gauges that failed or timed out.', registers });
    for (const outcome of ['success', 'failure']) this.jwksRefreshes.inc({ outcome }, 0);
    this.registry = Registry.merge([processRegistry, this.appRegistry]);
  }

  private readonly jwksRefreshes: Counter;
  private readonly snapshotFailures: Counter;

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The whole exposition, gauges read now (the database ones from the snapshot cache). */
  async render(): Promise<string> {
    await Promise.all([this.refreshDatabase(), this.refreshReadiness()]);
    this.refreshLocal();
    return this.registry.metrics();
  }

  private refreshLocal(): void {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool | undefined;
    if (pool !== undefined) {
      this.gauges.poolInUse.set(pool.totalCount - pool.idleCount);
      this.gauges.poolIdle.set(pool.idleCount);
      this.gauges.poolWaiting.set(pool.waitingCount);
    }
    this.gauges.streams.set(this.optional(EventStreamHub)?.openStreams ?? 0);
    const refreshes = this.optional(UserTokenVerifier)?.jwks?.refreshes;
    if (refreshes !== undefined) {
      for (const outcome of ['success', 'failure'] as const) {
        const delta = refreshes[outcome] - this.jwksSeen[outcome];
        if (delta > 0) this.jwksRefreshes.inc({ outcome }, delta);
        this.jwksSeen[outcome] = refreshes[outcome];
      }
    }
  }

  private async refreshDatabase(): Promise<void> {
    const now = performance.now();
    if (this.snapshot === undefined || now - this.snapshot.atMs >= this.config.queryCacheMs) {
      this.reading ??= readDatabaseSnapshot(this.dataSource, this.jobsConfig.schema)
        .then((value) => {
          this.snapshot = { atMs: performance.now(), value };
          return value;
        })
        .catch((error: Error) => {
          this.snapshotFailures.inc();
          this.logger.warn(`queue and outbox gauges not read: ${error.message}`);
          return undefined;
        })
        .finally(() => (this.reading = undefined));
      if ((await within(this.reading, this.config.queryTimeoutMs)) === undefined && this.reading !== undefined) this.snapshotFailures.inc();
    }
    const snapshot = this.snapshot;
    if (snapshot === undefined) return;
    this.gauges.snapshotAge.set((performance.now() - snapshot.atMs) / 1000);
    for (const gauge of [this.gauges.queueDepth, this.gauges.queueDeferred, this.gauges.queueActive, this.gauges.queueOldest, this.gauges.outbox, this.gauges.outboxOldest]) gauge.reset();
    for (const q of snapshot.value.queues) {
      this.gauges.queueDepth.set({ queue: q.queue }, q.due);
      this.gauges.queueDeferred.set({ queue: q.queue }, q.deferred);
      this.gauges.queueActive.set({ queue: q.queue }, q.active);
      this.gauges.queueOldest.set({ queue: q.queue }, q.oldestDueAgeSeconds);
    }
    for (const o of snapshot.value.outbox) {
      this.gauges.outbox.set({ target: o.target }, o.undelivered);
      this.gauges.outboxOldest.set({ target: o.target }, o.oldestAgeSeconds);
    }
  }

  private async refreshReadiness(): Promise<void> {
    const result = await within(this.readinessChecks.cached(this.config.queryCacheMs, 2000), this.config.queryTimeoutMs);
    if (result !== undefined) this.readiness = result;
    if (this.readiness === undefined) return;
    const checks = Object.entries(this.readiness);
    this.gauges.ready.set(checks.every(([, c]) => c.status === 'up') ? 1 : 0);
    for (const [name, c] of checks) this.gauges.readyCheck.set({ check: name }, c.status === 'up' ? 1 : 0);
  }

  /** A provider of another module, when the application has it (tests may leave one out). */
  private optional<T>(type: abstract new (...args: never[]) => T): T | undefined {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      return undefined;
    }
  }
}
