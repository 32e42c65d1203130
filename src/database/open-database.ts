import { readOrCreateDevSecret } from '../config/dev-secret';
import { DatabaseConfig } from '../config/database.config';
import { checkDatabaseUrl } from './database-url-check';
import { startEmbeddedPostgres } from './embedded/embedded-postgres';

export interface DatabaseLocation {
  url: string;
  embedded: boolean;
  /** Stops the embedded server when this process started it; otherwise does nothing. */
  close(): Promise<void>;
  /** Called once if the embedded server this process started died and could not be restarted. */
  onGiveUp(listener: (reason: string) => void): void;
}

/**
 * The one place that decides which PostgreSQL the service and every CLI use:
 * DATABASE_URL when set, otherwise the embedded server under DATA_DIR
 * (started here, or joined when another process already runs it). A DATABASE_URL that cannot be
 * connected to fails here with one line naming it (StartupError), before anything else starts.
 */
export async function openDatabase(
  config: DatabaseConfig,
  dataDir: string,
  log: (message: string) => void = () => undefined,
  warn: (message: string) => void = log,
): Promise<DatabaseLocation> {
  if (config.url !== undefined) {
    await checkDatabaseUrl(config.url, { retrySeconds: config.connectRetrySeconds, timeoutMs: config.connectTimeoutMs, warn });
    return { url: config.url, embedded: false, close: async () => undefined, onGiveUp: () => undefined };
  }
  const handle = await startEmbeddedPostgres({
    dataDir,
    port: config.embeddedPort,
    password: readOrCreateDevSecret(dataDir, 'postgres-password', 24),
    database: 'app',
    log,
    warn,
    restartTimeoutMs: config.embeddedRestartTimeoutSeconds * 1000,
  });
  return { url: handle.url, embedded: true, close: () => handle.stop(), onGiveUp: (listener) => handle.onGiveUp(listener) };
}
