import { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { AfterCommitSubscriber } from './after-commit';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { TypeOrmLogger } from './typeorm-logger';

/**
 * The one TypeORM DataSource definition but for its entities: the service loads those from the
 * feature modules (`TypeOrmModule.forFeature`, `autoLoadEntities`), the CLIs and tests from the list
 * of every feature's entities in `src/entities.ts` (through `ormconfig.ts`).
 * The schema only ever changes through committed migrations.
 */
export function dataSourceOptions(url: string, config: DatabaseConfig, entities: Function[] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
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
