import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { dataSourceOptions } from './data-source-options';
import { usePreparedStatements } from './prepared-query';
import { runMigrationsLocked } from './run-migrations';

@Module({})
export class DatabaseModule {
  /** @param url the PostgreSQL to use, as resolved by openDatabase() (external or embedded). */
  static forRoot(url: string): DynamicModule {
    let config: DatabaseConfig | undefined;
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [DatabaseConfig],
          useFactory: (databaseConfig: DatabaseConfig) => {
            config = databaseConfig;
            return {
              ...dataSourceOptions(url, databaseConfig),
              // Each feature module registers its own entities (TypeOrmModule.forFeature).
              autoLoadEntities: true,
              migrationsRun: databaseConfig.migrationsRun,
              // openDatabase() already waited for the server and named DATABASE_URL in any failure: a failure
              // here is reported once by main.ts, not retried with a stack per attempt.
              retryAttempts: 1,
              toRetry: () => false,
            };
          },
          dataSourceFactory: async (options) => {
            // Migrations run here, under an advisory lock, rather than by TypeORM's unlocked migrationsRun.
            const dataSource = await new DataSource({ ...options!, migrationsRun: false }).initialize();
            usePreparedStatements(dataSource, config!.preparedStatements);
            if (options!.migrationsRun) await migrate(dataSource, options as DataSourceOptions, config!.listenUrl);
            return dataSource;
          },
        }),
      ],
    };
  }
}

/**
 * Applies pending migrations under the migration lock, a session-level advisory lock: behind a
 * transaction-mode pooler that lock would be taken on one server connection and released on
 * another, so with DATABASE_LISTEN_URL the migrations run over that direct connection.
 */
async function migrate(dataSource: DataSource, options: DataSourceOptions, listenUrl: string | undefined): Promise<void> {
  const direct = listenUrl === undefined ? dataSource : await new DataSource({ ...options, url: listenUrl, poolSize: 1, migrationsRun: false } as DataSourceOptions).initialize();
  try {
    const applied = await runMigrationsLocked(direct);
    if (applied.length > 0) new Logger('Migrations').log(`applied ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    if (direct !== dataSource) await direct.destroy();
  }
}
