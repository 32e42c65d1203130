import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue, QueueDefinition, WorkerDefinition } from '../../jobs/job-queue';
import { PartitionMaintenance, PartitionedTable } from '../../jobs/partition-maintenance';
import { FaultAccessTokenRepository } from '../dashboard-access/fault-access-token.repository';
import { FaultPurgeService } from './fault-purge.service';
import { FaultPurgeRepository } from './fault-purge.repository';

describe('FaultPurgeService', () => {
  const config = (over: Partial<FaultConfig> = {}): FaultConfig => ({ ...FaultConfig.fromEnv({ FAULT_TOKEN_SECRET: 'x'.repeat(40) }), purgeBatchSize: 2, ...over });

  /** A database whose DELETEs report `counts` rows in turn (then 0). */
  const fakeDb = (counts: number[]): { db: DataSource; calls: Array<{ sql: string; params: unknown[] }> } => {
    const calls: Array<{ sql: string; params: unknown[] }> = [];
    const db = {
      query: (sql: string, params: unknown[]) => {
        calls.push({ sql, params });
        return Promise.resolve([[], counts.shift() ?? 0]);
      },
    } as unknown as DataSource;
    return { db, calls };
  };

  /** What the service asks of the job queue. */
  const recordingJobs = () => {
    const workers: Array<WorkerDefinition<object>> = [];
    const schedules: Array<[string, string | undefined]> = [];
    const jobs = {
      register: (w: WorkerDefinition<object>) => workers.push(w),
      schedule: (q: QueueDefinition, cron: string | undefined) => schedules.push([q.name, cron]),
    } as unknown as JobQueue;
    return { jobs, workers, schedules };
  };

  /** The tables registered with the partition maintenance. */
  const recordingPartitions = () => {
    const registered: PartitionedTable[] = [];
    return { partitions: { register: (t: PartitionedTable) => registered.push(t) } as unknown as PartitionMaintenance, registered };
  };

  const purgeService = (db: DataSource, clock: Clock, purgeConfig: FaultConfig, jobs = recordingJobs().jobs, partitions = recordingPartitions().partitions): FaultPurgeService =>
    new FaultPurgeService(new FaultPurgeRepository(db), new FaultAccessTokenRepository(db), jobs, clock, purgeConfig, partitions);

  it('deletes expired dashboard tokens in batches until a batch comes back short; no fault row by row', async () => {
    const { db, calls } = fakeDb([2, 2, 1, 0]);
    const now = new Date('2026-01-01T00:00:00Z');
    const clock = { now: () => now, nowSeconds: () => now.getTime() / 1000 };
    const result = await purgeService(db, clock, config()).purgeExpired();
    expect(result).toEqual({ accessTokens: 5 });
    expect(calls.map((c) => c.sql.match(/DELETE FROM (\w+)/)?.[1])).toEqual(['fault_access_tokens', 'fault_access_tokens', 'fault_access_tokens']);
    expect(calls.every((c) => /LIMIT \$2 FOR UPDATE SKIP LOCKED/.test(c.sql))).toBe(true);
  });

  it('is a job of the job queue on FAULT_PURGE_SCHEDULE; the job runs one purge', async () => {
    const { db, calls } = fakeDb([]);
    const { jobs, workers, schedules } = recordingJobs();
    const service = purgeService(db, new Clock(), config({ purgeSchedule: '*/10 * * * *' }), jobs);
    service.onModuleInit();
    expect(schedules).toEqual([['fault-purge', '*/10 * * * *']]);
    expect(calls).toHaveLength(0);
    await workers[0].handle({});
    expect(calls).toHaveLength(1);
  });

  it('leaves the faults, their comments, path segments and timeline, and the idempotency keys to the partition maintenance: whole partitions past their retention', () => {
    const { db } = fakeDb([]);
    const { partitions, registered } = recordingPartitions();
    purgeService(db, new Clock(), config({ retentionDays: 425 }), recordingJobs().jobs, partitions).onModuleInit();
    expect(registered.map((t) => [t.table, t.column, t.interval, t.ahead, t.retainMs()])).toEqual([
      // Faults by month of their ttl (Unix seconds), dropped once the month is over, like their timeline.
      ['faults', 'ttl', 'month', 17, 0],
      // A month of expiries is dropped once it is over; 425 days of faults need 17 months made ahead.
      ['fault_timeline', 'fault_expires_at', 'month', 17, 0],
      // Comments and path segments by month of their fault's ttl, dropped with the faults' month.
      ['fault_comments', 'fault_ttl', 'month', 17, 0],
      ['fault_path_segments', 'fault_ttl', 'month', 17, 0],
      // A day of keys is dropped once it ended 24 hours ago (every key in it expired by then).
      ['fault_idempotency_keys', 'created_at', 'day', 3, 86_400_000],
    ]);
  });

  it('removes its schedule when the purge is off', () => {
    const { db } = fakeDb([]);
    const { jobs, schedules } = recordingJobs();
    purgeService(db, new Clock(), config({ purgeSchedule: undefined }), jobs).onModuleInit();
    expect(schedules).toEqual([['fault-purge', undefined]]);
  });

  it('stops between batches on shutdown and waits for the batch in progress', async () => {
    let release: () => void = () => undefined;
    const calls: string[] = [];
    const db = {
      query: (sql: string) => {
        calls.push(sql);
        return new Promise((resolve) => (release = () => resolve([[], 2])));
      },
    } as unknown as DataSource;
    const service = purgeService(db, new Clock(), config());
    const run = service.purgeExpired();
    await new Promise((resolve) => setImmediate(resolve));
    const stopped = service.beforeApplicationShutdown();
    release();
    await stopped;
    expect(await run).toEqual({ accessTokens: 2 });
    expect(calls).toHaveLength(1);
  });
});
