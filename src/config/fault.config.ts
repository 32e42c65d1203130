import { createHash } from 'node:crypto';
import { Env, readConfig } from './env';
import { withHiddenField } from './hidden-field';

/** Faults: retention and purge, dashboard tokens and their short links, list cursors. */
export class FaultConfig {
  /** Days a fault is kept; its `ttl` is created_at + this. */
  readonly retentionDays!: number;
  /** When the purge runs (cron, UTC, on the job queue); undefined: never (FAULT_PURGE_SCHEDULE=off). */
  readonly purgeSchedule!: string | undefined;
  /** Rows deleted per purge statement (small, so a purge never holds long locks). */
  readonly purgeBatchSize!: number;
  /** HS256 key of the dashboard tokens this service mints (secret; never logged). */
  readonly tokenSecret!: string;
  /** Key of the HMAC that signs list cursors (secret; derived from the token key unless set). */
  readonly cursorSecret!: string;
  /** `short_link` = this + `/` + code. */
  readonly shortLinkBaseUrl!: string;
  /**
   * Where `GET /s/{code}` redirects. `{token}` and `{code}` are substituted; without `{token}`
   * the token is attached as the `#token=` fragment. Default: this service's `/fault/token/{code}`.
   */
  readonly dashboardUrl!: string | undefined;
  /** At most this many milliseconds a dashboard-token row is cached (revocation latency bound). */
  readonly tokenCacheMs!: number;
  /** A report with the dedup_key of a fault resolved less than this many seconds ago reopens it. */
  readonly reopenWindowSeconds!: number;
  /** Comments one fault may carry (then 409). */
  readonly maxComments!: number;
  /** A fault reported on R adopts open faults under R created at most this many seconds before it. */
  readonly correlationWindowSeconds!: number;
  /** Reopens within flapWindowSeconds that make a fault flapping. */
  readonly flapThreshold!: number;
  readonly flapWindowSeconds!: number;
  /** When flapping faults are checked for a quiet window, and escalation steps for due ones (cron, UTC; each run also queues one 30 s later). */
  readonly intelligenceSchedule!: string | undefined;
  /** Recurring silences are expanded into windows this many days ahead (a daily job keeps the horizon). */
  readonly silenceHorizonDays!: number;

  static fromEnv(env: Env): FaultConfig {
    return readConfig(env, (r): FaultConfig => {
      const tokenSecret = r.secret('FAULT_TOKEN_SECRET', { devFile: 'fault-token-secret', required: 'NODE_ENV=production' });
      let cursorSecret = r.secret('FAULT_CURSOR_SECRET', {});
      cursorSecret ??= createHash('sha256')
        .update(`fault-cursor:${tokenSecret ?? ''}`)
        .digest('base64url');
      const port = r.int('PORT', 3000, 0, 65535);
      const shortLinkBaseUrl = r.url('SHORT_LINK_BASE_URL', ['https', 'http'], `http://localhost:${port}/s`).replace(/\/+$/, '');
      const dashboardUrl = r.url('DASHBOARD_URL', ['https', 'http']);
      r.replaced('FAULT_PURGE_INTERVAL_SECONDS', 'use FAULT_PURGE_SCHEDULE (a cron expression, or "off")');
      const config = {
        retentionDays: r.int('FAULT_RETENTION_DAYS', 425, 1, 3650),
        purgeSchedule: r.schedule('FAULT_PURGE_SCHEDULE', '17 * * * *'),
        purgeBatchSize: r.int('FAULT_PURGE_BATCH_SIZE', 500, 1, 10_000),
        shortLinkBaseUrl,
        dashboardUrl,
        tokenCacheMs: r.int('FAULT_TOKEN_CACHE_MS', 500, 0, 1000),
        reopenWindowSeconds: r.int('FAULT_REOPEN_WINDOW_SECONDS', 300, 0, 86_400),
        maxComments: r.int('FAULT_MAX_COMMENTS', 100, 1, 10_000),
        correlationWindowSeconds: r.int('FAULT_CORRELATION_WINDOW_SECONDS', 300, 0, 86_400),
        flapThreshold: r.int('FAULT_FLAP_THRESHOLD', 3, 2, 100),
        flapWindowSeconds: r.int('FAULT_FLAP_WINDOW_SECONDS', 3600, 60, 7 * 86_400),
        intelligenceSchedule: r.schedule('FAULT_INTELLIGENCE_SCHEDULE', '* * * * *'),
        silenceHorizonDays: r.int('FAULT_SILENCE_HORIZON_DAYS', 35, 2, 400),
      };
      // The keys are readable by the code but not enumerable, so a logged or serialized config shows neither.
      return withHiddenField(withHiddenField(config, 'tokenSecret', tokenSecret ?? ''), 'cursorSecret', cursorSecret);
    });
  }
}
