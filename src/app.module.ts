import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { ConfigModule } from './config/config.module';
import { EventBusModule } from './bus/event-bus.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { FaultModule } from './fault/fault.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { KmsModule } from './kms/kms.module';
import { MetricsModule } from './metrics/metrics.module';
import { TracingModule } from './tracing/tracing.module';
import { ClientAddressRateLimitGuard } from './rate-limit/client-address-rate-limit.guard';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { TenantsModule } from './tenants/tenants.module';
import { VaultModule } from './vault/vault.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppModuleOptions {
  /** The PostgreSQL to use, as resolved by openDatabase(). */
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule,
        CommonModule,
        DatabaseModule.forRoot(options.databaseUrl),
        JobsModule.forRoot(options.databaseUrl),
        EventsModule.forRoot(options.databaseUrl),
        AuthModule,
        RateLimitModule,
        HealthModule,
        FaultModule,
        KmsModule.forRoot(),
        VaultModule,
        WebhooksModule,
        EventBusModule,
        TenantsModule,
        MetricsModule,
        TracingModule,
      ],
      // Global enhancers, in the order they run: count the client address, authenticate, then count the verified caller.
      providers: [
        { provide: APP_GUARD, useExisting: ClientAddressRateLimitGuard },
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
