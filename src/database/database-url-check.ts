import { Client } from 'pg';
import { StartupError } from '../common/startup-error';
import { backoffDelayMs } from '../common/backoff';

/**
 * Failures a PostgreSQL that is still starting (or briefly full) gives: retried until the deadline. Anything
 * else — unknown database (3D000), wrong password (28P01), unknown role (28000), unknown host (ENOTFOUND) — no
 * wait can fix: reported at once, never retried.
 */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', '57P03', '53300']);

interface Target {
  host: string;
  user: string;
  database: string;
}

/** Where DATABASE_URL points, for messages: host:port, user and database, never the password. */
function target(url: string): Target {
  const parsed = new URL(url);
  return {
    host: `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`,
    user: decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres',
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
  };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether waiting could help (the server is not up yet), as opposed to a setting that must change. */
export function isTransientConnectFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) return TRANSIENT.has(code);
  return /timeout|terminated unexpectedly/i.test((error as Error).message ?? '');
}

/** One line naming DATABASE_URL and what to change in it; `waitedSeconds` when retries ran out. */
export function databaseUrlFailure(error: unknown, url: string, waitedSeconds?: number): StartupError {
  const t = target(url);
  const code = codeOf(error);
  const reason = (error as Error).message?.split('\n')[0] ?? String(error);
  const at = `${t.host}`;
  let message: string;
  switch (code ?? '') {
    case '3D000':
      message = `DATABASE_URL names database "${t.database}", which does not exist on ${at}; create it (CREATE DATABASE) or correct the database name in DATABASE_URL`;
      break;
    case '28P01':
      message = `DATABASE_URL: password authentication failed for user "${t.user}" on ${at}; correct the user or password in DATABASE_URL (or PGPASSWORD)`;
      break;
    case '28000':
      message = `DATABASE_URL: ${at} refused user "${t.user}" (${reason}); correct the user in DATABASE_URL or the server's pg_hba.conf`;
      break;
    case 'ENOTFOUND':
      message = `DATABASE_URL host "${at.replace(/:\d+$/, '')}" cannot be resolved (ENOTFOUND); correct the host in DATABASE_URL`;
      break;
    default:
      message =
        waitedSeconds !== undefined
          ? `DATABASE_URL: no PostgreSQL answered at ${at} within ${waitedSeconds} s (${code ?? reason}); start it or correct the host and port in DATABASE_URL (DB_CONNECT_RETRY_SECONDS sets the wait)`
          : `DATABASE_URL: could not connect to ${at} (${code ? `${code}: ` : ''}${reason}); correct DATABASE_URL`;
  }
  return new StartupError(message, { cause: error });
}

async function connectOnce(url: string, timeoutMs: number): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Before anything else starts: can DATABASE_URL be connected to? Permanent failures (unknown database,
 * role or host, wrong password) end the start at once; a refused or unanswered connection (PostgreSQL
 * still starting) is retried with backoff for at most `retrySeconds`, saying so once. Either way the
 * operator gets one line naming DATABASE_URL, never a stack.
 */
export async function checkDatabaseUrl(url: string, options: { retrySeconds: number; timeoutMs: number; warn: (message: string) => void }): Promise<void> {
  const deadline = Date.now() + options.retrySeconds * 1000;
  let warned = false;
  for (let attempt = 1; ; attempt++) {
    const delayMs = backoffDelayMs(attempt, 250, 2000);
    try {
      await connectOnce(url, options.timeoutMs);
      return;
    } catch (error) {
      if (!isTransientConnectFailure(error)) throw databaseUrlFailure(error, url);
      if (Date.now() + delayMs > deadline) throw databaseUrlFailure(error, url, options.retrySeconds);
      if (!warned) {
        options.warn(`DATABASE_URL: ${target(url).host} does not answer yet (${codeOf(error) ?? (error as Error).message}); retrying for up to ${options.retrySeconds} s (DB_CONNECT_RETRY_SECONDS)`);
        warned = true;
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
