import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app.config';
import { AuthConfig } from './auth.config';
import { DatabaseConfig } from './database.config';

/**
 * Every config concern, validated once at boot from process.env. Feature
 * modules with their own concern (kms, fault, vault) provide it themselves.
 */
@Global()
@Module({
  providers: [
    { provide: AppConfig, useFactory: () => AppConfig.fromEnv(process.env) },
    { provide: DatabaseConfig, useFactory: () => DatabaseConfig.fromEnv(process.env) },
    { provide: AuthConfig, useFactory: () => AuthConfig.fromEnv(process.env) },
  ],
  exports: [AppConfig, DatabaseConfig, AuthConfig],
})
export class ConfigModule {}
