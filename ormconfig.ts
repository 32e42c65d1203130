import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from './src/config/database.config';
import { AfterCommitSubscriber } from './src/database/after-commit';
import { ENTITIES } from './src/database/entities';
import { MIGRATIONS } from './src/database/migrations';
import { SnakeNamingStrategy } from './src/database/snake-naming.strategy';
import { TypeOrmLogger } from './src/database/typeorm-logger';

/**
 * The one TypeORM DataSource definition, used by the service (through
 * TypeOrmModule) and by every CLI (migrations, seed, key re-wrap).
 * The schema only ever changes through committed migrations.
 */
export function dataSourceOptions(url: string, config: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    subscribers: [AfterCommitSubscriber],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    namingStrategy: new SnakeNamingStrategy(),
    logger: new TypeOrmLogger(config.logQueries),
    logging: true,
    maxQueryExecutionTime: 1000,
    poolSize: config.poolSize,
    extra: {
      connectionTimeoutMillis: config.connectTimeoutMs,
      // Startup parameters a transaction-mode pooler refuses: there, set them on the role (docs/scaling.md).
      ...(config.preparedStatements ? { statement_timeout: config.statementTimeoutMs, idle_in_transaction_session_timeout: 60_000 } : {}),
      application_name: 'netops-faults-vault',
    },
  };
}

export function createDataSource(url: string, config: DatabaseConfig): DataSource {
  return new DataSource(dataSourceOptions(url, config));
}
