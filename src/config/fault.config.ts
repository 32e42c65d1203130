import { createHash } from 'node:crypto';
import { Env, EnvReader } from './env';
import { withHiddenField } from './hidden-field';

/** Faults: retention and purge, dashboard tokens and their short links, list cursors. */
export class FaultConfig {
  /** Days a fault is kept; its `ttl` is created_at + this. */
  readonly retentionDays!: number;
  /** Seconds between two purge runs; 0 disables the scheduled purge. */
  readonly purgeIntervalSeconds!: number;
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

  static fromEnv(env: Env): FaultConfig {
    const r = new EnvReader(env);
    const tokenSecret = r.secret('FAULT_TOKEN_SECRET', { devFile: 'fault-token-secret', required: 'NODE_ENV=production' });
    let cursorSecret = r.secret('FAULT_CURSOR_SECRET', {});
    cursorSecret ??= createHash('sha256')
      .update(`fault-cursor:${tokenSecret ?? ''}`)
      .digest('base64url');
    const port = r.int('PORT', 3000, 0, 65535);
    const shortLinkBaseUrl = r.url('SHORT_LINK_BASE_URL', ['https', 'http'], `http://localhost:${port}/s`).replace(/\/+$/, '');
    const dashboardUrl = r.url('DASHBOARD_URL', ['https', 'http']);
    const config = {
      retentionDays: r.int('FAULT_RETENTION_DAYS', 425, 1, 3650),
      purgeIntervalSeconds: r.int('FAULT_PURGE_INTERVAL_SECONDS', 3600, 0, 86_400),
      purgeBatchSize: r.int('FAULT_PURGE_BATCH_SIZE', 500, 1, 10_000),
      shortLinkBaseUrl,
      dashboardUrl,
      tokenCacheMs: r.int('FAULT_TOKEN_CACHE_MS', 500, 0, 1000),
      reopenWindowSeconds: r.int('FAULT_REOPEN_WINDOW_SECONDS', 300, 0, 86_400),
    };
    r.done();
    // The keys are readable by the code but not enumerable, so a logged or serialized config shows neither.
    return Object.freeze(withHiddenField(withHiddenField(config, 'tokenSecret', tokenSecret ?? ''), 'cursorSecret', cursorSecret) as FaultConfig);
  }
}
