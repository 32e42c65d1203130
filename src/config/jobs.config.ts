import { Env, readConfig } from './env';

/** The PostgreSQL-backed job queue (pg-boss) that runs deliveries and scheduled work. */
export class JobsConfig {
  /** Schema of the queue's tables, created and migrated by pg-boss at start. */
  readonly schema!: string;
  /** Connections of the queue's own pool (beside the application's). */
  readonly poolSize!: number;
  /** How often an idle worker looks for new jobs (a NOTIFY wakes local workers sooner). */
  readonly pollingIntervalSeconds!: number;
  /** How often expired jobs (a worker that died) are retried and old jobs archived. */
  readonly maintenanceIntervalSeconds!: number;
  /** Seconds SIGTERM waits for running jobs before the queue stops anyway. */
  readonly shutdownTimeoutSeconds!: number;

  static fromEnv(env: Env): JobsConfig {
    return readConfig(env, (r): JobsConfig => {
      const schema = r.string('JOBS_SCHEMA', 'pgboss');
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) r.fail('JOBS_SCHEMA', 'must be a lowercase SQL identifier');
      return {
        schema,
        poolSize: r.int('JOBS_POOL_SIZE', 4, 1, 100),
        pollingIntervalSeconds: r.int('JOBS_POLLING_INTERVAL_MS', 1000, 500, 60_000) / 1000,
        maintenanceIntervalSeconds: r.int('JOBS_MAINTENANCE_INTERVAL_SECONDS', 30, 1, 3600),
        shutdownTimeoutSeconds: r.int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 300),
      };
    });
  }
}
