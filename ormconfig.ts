import { DataSource, DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from './src/config/database.config';
import { dataSourceOptions as withEntities } from './src/database/data-source-options';
import { ENTITIES } from './src/entities';

/**
 * The service's DataSource with every feature's entities, for what runs outside the Nest
 * application: tests, benchmarks, and the CLIs' entry points in scripts/. The service itself
 * loads the entities its feature modules register (`DatabaseModule`, `autoLoadEntities`).
 */
export function dataSourceOptions(url: string, config: DatabaseConfig): DataSourceOptions {
  return withEntities(url, config, ENTITIES);
}

export function createDataSource(url: string, config: DatabaseConfig): DataSource {
  return new DataSource(dataSourceOptions(url, config));
}
