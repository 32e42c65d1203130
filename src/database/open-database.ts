import { readOrCreateDevSecret } from '../config/dev-secret';
import { DatabaseConfig } from '../config/database.config';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface DatabaseLocation {
  url: string;
  embedded: boolean;
  /** Stops the embedded server when this process started it; otherwise does nothing. */
  close(): Promise<void>;
}

/**
 * The one place that decides which PostgreSQL the service and every CLI use:
 * DATABASE_URL when set, otherwise the embedded server under DATA_DIR
 * (started here, or joined when another process already runs it).
 */
export async function openDatabase(
  config: DatabaseConfig,
  dataDir: string,
  log: (message: string) => void = () => undefined,
): Promise<DatabaseLocation> {
  if (config.url !== undefined) return { url: config.url, embedded: false, close: async () => undefined };
  const handle = await startEmbeddedPostgres({
    dataDir,
    port: config.embeddedPort,
    password: readOrCreateDevSecret(dataDir, 'postgres-password', 24),
    database: 'app',
    log,
  });
  return { url: handle.url, embedded: true, close: () => handle.stop() };
}
