import { DataSource } from 'typeorm';
import { createDataSource } from '../../../ormconfig';
import { AppConfig } from '../../config/app.config';
import { DatabaseConfig } from '../../config/database.config';
import { openDatabase } from '../open-database';

/**
 * For the project's CLIs (migrations, seed, key re-wrap): the same database
 * the service would use — DATABASE_URL, or the embedded one under DATA_DIR,
 * joined when the service is already running on it.
 */
export async function withDataSource<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const app = AppConfig.fromEnv(process.env);
  const config = DatabaseConfig.fromEnv(process.env);
  const database = await openDatabase(config, app.dataDir, (msg) => process.stderr.write(`${msg}\n`));
  const dataSource = createDataSource(database.url, config);
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
