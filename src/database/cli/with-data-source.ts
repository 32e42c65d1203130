import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app.config';
import { DatabaseConfig } from '../../config/database.config';
import { dataSourceOptions } from '../data-source-options';
import { openDatabase } from '../open-database';

/**
 * For the project's CLIs (migrations, seed, key re-wrap): the same database
 * the service would use — DATABASE_URL, or the embedded one under DATA_DIR,
 * joined when the service is already running on it. The entities come from the
 * CLI's entry point (src/entities.ts: every feature's list), so database/ imports no feature.
 */
export async function withDataSource<T>(entities: Function[], work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const app = AppConfig.fromEnv(process.env);
  const config = DatabaseConfig.fromEnv(process.env);
  const database = await openDatabase(config, app.dataDir, (msg) => process.stderr.write(`${msg}\n`));
  const dataSource = new DataSource(dataSourceOptions(database.url, config, entities));
  try {
    await dataSource.initialize();
    return await work(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.close();
  }
}

/** Runs a CLI's main, printing a one-line error (never a stack of internals) and a non-zero exit on failure. */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
