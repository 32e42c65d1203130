import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { FaultModule } from './fault/fault.module';
import { HealthModule } from './health/health.module';
import { KmsModule } from './kms/kms.module';
import { VaultModule } from './vault/vault.module';

export interface AppModuleOptions {
  /** The PostgreSQL to use, as resolved by openDatabase(). */
  databaseUrl: string;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule, DatabaseModule.forRoot(options.databaseUrl), AuthModule, HealthModule, FaultModule, KmsModule.forRoot(), VaultModule],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
