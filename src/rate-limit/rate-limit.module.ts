import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { JobQueue } from '../jobs/job-queue';
import { PostgresRateLimitStore, RATE_LIMIT_SWEEP_QUEUE } from './postgres-rate-limit.store';
import { ClientAddressRateLimitGuard } from './client-address-rate-limit.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisRateLimitStore } from './redis-rate-limit.store';
import { MemoryRateLimitStore, RateLimitStore } from './rate-limit.store';

/**
 * Request counting per caller, in memory or shared through Redis or PostgreSQL
 * (RATE_LIMIT_STORE). The guard is registered globally by the AppModule,
 * after the auth guard, so that it counts verified principals.
 */
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [AppConfig, DataSource, JobQueue],
      useFactory: (config: AppConfig, dataSource: DataSource, jobs: JobQueue) => {
        if (config.rateLimitStore === 'postgres') return new PostgresRateLimitStore(dataSource, jobs);
        jobs.schedule(RATE_LIMIT_SWEEP_QUEUE, undefined); // no shared table to sweep (after a switch away from postgres)
        return config.rateLimitStore === 'redis' ? new RedisRateLimitStore(config.redisUrl!) : new MemoryRateLimitStore();
      },
    },
    RateLimitGuard,
    ClientAddressRateLimitGuard,
  ],
  exports: [RateLimitGuard, ClientAddressRateLimitGuard],
})
export class RateLimitModule {}
