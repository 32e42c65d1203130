import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { PostgresRateLimitStore } from '../rate-limit/postgres-rate-limit.store';
import { MemoryRateLimitStore, RateLimitStore } from '../rate-limit/rate-limit.store';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { AuthGuard } from './auth.guard';
import { Clock } from './clock';
import { TokenVerifierRegistry } from './token-verifier.registry';
import { UserTokenVerifier } from './user-token.verifier';

/** Deny by default: the global guard authenticates every route not marked @Public(), then rate-limits the caller. */
@Global()
@Module({
  providers: [
    Clock,
    UserTokenVerifier,
    TokenVerifierRegistry,
    {
      provide: RateLimitStore,
      inject: [AppConfig, DataSource],
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        config.rateLimitStore === 'postgres' ? new PostgresRateLimitStore(dataSource) : new MemoryRateLimitStore(),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [Clock, TokenVerifierRegistry],
})
export class AuthModule {}
