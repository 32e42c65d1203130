import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { PostgresRateLimitStore } from './postgres-rate-limit.store';
import { ClientAddressRateLimitGuard } from './client-address-rate-limit.guard';
import { RateLimitGuard } from './rate-limit.guard';
import { MemoryRateLimitStore, RateLimitStore } from './rate-limit.store';

/**
 * Request counting per caller, in memory or shared through PostgreSQL
 * (RATE_LIMIT_STORE). The guard is registered globally by the AppModule,
 * after the auth guard, so that it counts verified principals.
 */
@Module({
  providers: [
    {
      provide: RateLimitStore,
      inject: [AppConfig, DataSource],
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        config.rateLimitStore === 'postgres' ? new PostgresRateLimitStore(dataSource) : new MemoryRateLimitStore(),
    },
    RateLimitGuard,
    ClientAddressRateLimitGuard,
  ],
  exports: [RateLimitGuard, ClientAddressRateLimitGuard],
})
export class RateLimitModule {}
