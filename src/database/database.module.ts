import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../ormconfig';
import { DatabaseConfig } from '../config/database.config';
import { runMigrationsLocked } from './run-migrations';

@Module({})
export class DatabaseModule {
  /** @param url the PostgreSQL to use, as resolved by openDatabase() (external or embedded). */
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [DatabaseConfig],
          useFactory: (config: DatabaseConfig) => ({
            ...dataSourceOptions(url, config),
            migrationsRun: config.migrationsRun,
            // openDatabase() already waited for the server and named DATABASE_URL in any failure: a failure
            // here is reported once by main.ts, not retried with a stack per attempt.
            retryAttempts: 1,
            toRetry: () => false,
          }),
          dataSourceFactory: async (options) => {
            // Migrations run here, under an advisory lock, rather than by TypeORM's unlocked migrationsRun.
            const dataSource = await new DataSource({ ...options!, migrationsRun: false }).initialize();
            if (options!.migrationsRun) {
              const applied = await runMigrationsLocked(dataSource);
              if (applied.length > 0) new Logger('Migrations').log(`applied ${applied.map((m) => m.name).join(', ')}`);
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}
