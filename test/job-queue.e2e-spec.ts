import { DataSource } from 'typeorm';
import { JobsConfig } from '../src/config/jobs.config';
import { AfterCommitSubscriber } from '../src/database/after-commit';
import { JobQueue, QueueDefinition } from '../src/jobs/job-queue';
import { ScratchDatabase, createScratchDatabase } from './support/scratch-database';
import { waitFor } from './support/wait-for';

const QUEUE: QueueDefinition = { name: 'lane', policy: 'short', retryLimit: 0 };

/**
 * A job sent inside a transaction must run after that transaction commits. With a `short` queue the
 * send is dropped while a job for the key waits — and that waiting job can run and finish before
 * the transaction commits, so it never sees the transaction's changes (a webhook delivery written
 * then stayed pending until the next sweep).
 */
describe('JobQueue: a send inside a transaction', () => {
  let db: ScratchDatabase;
  let dataSource: DataSource;
  let queue: JobQueue;
  const handled: Array<{ n: number }> = [];

  beforeAll(async () => {
    db = await createScratchDatabase('job_queue');
    dataSource = await new DataSource({ type: 'postgres', url: db.url, subscribers: [AfterCommitSubscriber] }).initialize();
    queue = new JobQueue(db.url, JobsConfig.fromEnv({ JOBS_SCHEMA: 'jobs_queue_e2e', JOBS_POLLING_INTERVAL_MS: '500' }));
    queue.register<{ n: number }>({ queue: QUEUE, handle: async (job) => void handled.push(job) });
    await queue.onApplicationBootstrap();
  });
  afterAll(async () => {
    await queue.beforeApplicationShutdown();
    await dataSource.destroy();
    await db.drop();
  });

  it('runs a job after the commit even when the job waiting at send time ran before it', async () => {
    expect(await queue.send(QUEUE.name, { n: 1 }, { singletonKey: 'k', startAfter: new Date(Date.now() + 1_500) })).not.toBeNull();
    await dataSource.transaction(async (manager) => {
      // Job 1 waits for the key: the queue drops this send.
      expect(await queue.send(QUEUE.name, { n: 2 }, { singletonKey: 'k', manager })).toBeNull();
      // Job 1 runs and finishes while this transaction is still open.
      await waitFor('the waiting job to run', () => handled.length === 1, 10_000);
    });
    await waitFor('a job after the commit', () => handled.length === 2, 10_000);
    expect(handled).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('queues nothing for a transaction that rolls back', async () => {
    handled.length = 0;
    expect(await queue.send(QUEUE.name, { n: 3 }, { singletonKey: 'r', startAfter: new Date(Date.now() + 1_000) })).not.toBeNull();
    await expect(
      dataSource.transaction(async (manager) => {
        expect(await queue.send(QUEUE.name, { n: 4 }, { singletonKey: 'r', manager })).toBeNull();
        await waitFor('the waiting job to run', () => handled.length === 1, 10_000);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // One more job through the queue shows its workers are idle; nothing of the rolled-back send ran.
    await queue.send(QUEUE.name, { n: 5 }, { singletonKey: 'other' });
    await waitFor('the later job', () => handled.length === 2, 10_000);
    expect(handled).toEqual([{ n: 3 }, { n: 5 }]);
  });
});
