import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { FaultConfig } from '../config/fault.config';
import { FaultAccessTokenRepository } from './fault-access-token.repository';
import { FaultIdempotencyRepository } from './fault-idempotency.repository';
import { FaultPurgeService } from './fault-purge.service';
import { FaultRepository } from './fault.repository';

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

  const purgeService = (db: DataSource, clock: Clock, purgeConfig: FaultConfig): FaultPurgeService =>
    new FaultPurgeService(new FaultRepository(db), new FaultIdempotencyRepository(db), new FaultAccessTokenRepository(db), clock, purgeConfig);

  afterEach(() => jest.useRealTimers());

  it('deletes in batches until a batch comes back short, table by table', async () => {
    const { db, calls } = fakeDb([2, 2, 1, 2, 0, 0]);
    const now = new Date('2026-01-01T00:00:00Z');
    const clock = { now: () => now, nowSeconds: () => now.getTime() / 1000 };
    const result = await purgeService(db, clock, config()).purgeExpired();
    expect(result).toEqual({ faults: 5, idempotencyKeys: 2, accessTokens: 0 });
    expect(calls.map((c) => c.sql.match(/DELETE FROM (\w+)/)?.[1])).toEqual(['faults', 'faults', 'faults', 'fault_idempotency_keys', 'fault_idempotency_keys', 'fault_access_tokens']);
    expect(calls[0].params).toEqual([now.getTime() / 1000, 2]);
    expect(calls.every((c) => /LIMIT \$2 FOR UPDATE SKIP LOCKED/.test(c.sql))).toBe(true);
  });

  it('runs on its interval and stops on shutdown', async () => {
    jest.useFakeTimers();
    const { db, calls } = fakeDb([]);
    const service = purgeService(db, new Clock(), config({ purgeIntervalSeconds: 60 }));
    service.onApplicationBootstrap();
    expect(calls).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(3);
    await service.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(calls).toHaveLength(3);
  });

  it('does not schedule anything when the interval is 0', async () => {
    jest.useFakeTimers();
    const { db, calls } = fakeDb([]);
    const service = purgeService(db, new Clock(), config({ purgeIntervalSeconds: 0 }));
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(86_400_000);
    expect(calls).toHaveLength(0);
    await service.onApplicationShutdown();
  });
});
