import { StartupError } from '../../common/startup-error';

/** A setup problem with the embedded PostgreSQL: one line saying what is wrong and what to change. */
export class EmbeddedPostgresError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/** PostgreSQL's own words for a failed start, reduced to its FATAL line. */
export function startFailure(error: unknown, port: number): EmbeddedPostgresError {
  const text = error instanceof Error ? error.message : String(error);
  if (/could not bind|Address already in use/i.test(text)) {
    return new EmbeddedPostgresError(`EMBEDDED_PG_PORT ${port} is already in use by another program; set EMBEDDED_PG_PORT to a free port (or DATABASE_URL to use your own PostgreSQL)`);
  }
  return new EmbeddedPostgresError(`the embedded PostgreSQL did not start: ${fatalLine(error)}`);
}

/** The line of PostgreSQL's output that says why it stopped (its FATAL line), else the first line. */
export function fatalLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /(?:FATAL|PANIC|ERROR|initdb: error):\s*([^\n]+)/.exec(text)?.[1] ?? text.split('\n')[0];
}
