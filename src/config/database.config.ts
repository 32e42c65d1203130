import { Env, readConfig } from './env';

/** Where the data lives: an external PostgreSQL, or the embedded one under DATA_DIR. */
export class DatabaseConfig {
  /** Set: use that server. Unset: start (or join) the embedded PostgreSQL. */
  readonly url!: string | undefined;
  readonly embeddedPort!: number;
  /** Seconds to keep restarting an embedded PostgreSQL that died before the service gives up and exits. */
  readonly embeddedRestartTimeoutSeconds!: number;
  readonly migrationsRun!: boolean;
  readonly poolSize!: number;
  /** Milliseconds a query may run before PostgreSQL cancels it. */
  readonly statementTimeoutMs!: number;
  /** Milliseconds to wait for a pooled connection before failing the request. */
  readonly connectTimeoutMs!: number;
  /** Seconds the start keeps retrying a DATABASE_URL that refuses connections (not yet up) before it gives up. */
  readonly connectRetrySeconds!: number;
  readonly logQueries!: boolean;
  /**
   * Named prepared statements for the hot queries (and statement_timeout as a startup parameter).
   * Off behind a transaction-mode pooler (PgBouncer 1.18), which cannot keep either per session.
   */
  readonly preparedStatements!: boolean;
  /** A direct connection (not through a pooler) for LISTEN/NOTIFY and the migrations' session lock; unset: the main URL. */
  readonly listenUrl!: string | undefined;

  static fromEnv(env: Env): DatabaseConfig {
    return readConfig(env, (r): DatabaseConfig => {
      const config: DatabaseConfig = {
        url: r.url('DATABASE_URL', ['postgres', 'postgresql']),
        embeddedPort: r.int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
        embeddedRestartTimeoutSeconds: r.int('EMBEDDED_PG_RESTART_TIMEOUT_SECONDS', 30, 1, 3600),
        migrationsRun: r.bool('DB_MIGRATIONS_RUN', true),
        poolSize: r.int('DB_POOL_SIZE', 10, 1, 200),
        statementTimeoutMs: r.int('DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
        connectTimeoutMs: r.int('DB_CONNECT_TIMEOUT_MS', 3_000, 100, 60_000),
        connectRetrySeconds: r.int('DB_CONNECT_RETRY_SECONDS', 10, 0, 600),
        logQueries: r.bool('DB_LOG_QUERIES', false),
        preparedStatements: r.bool('DB_PREPARED_STATEMENTS', true),
        listenUrl: r.url('DATABASE_LISTEN_URL', ['postgres', 'postgresql']),
      };
      if (r.isProduction && config.url === undefined) {
        r.fail('DATABASE_URL', 'is required when NODE_ENV=production (the embedded database is for development)');
      }
      if (config.listenUrl !== undefined && config.url === undefined) r.fail('DATABASE_LISTEN_URL', 'needs DATABASE_URL (the embedded database is always reached directly)');
      return config;
    });
  }
}
