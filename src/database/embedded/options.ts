/** How the embedded PostgreSQL is run: where its data lives, its port and password, where it reports. */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  log: (message: string) => void;
  /** Where an unexpected exit of the server is reported (once per exit); defaults to `log`. */
  warn?: (message: string) => void;
  /** How long to keep trying to restart a server that died before giving up (default 30 s). */
  restartTimeoutMs?: number;
}
