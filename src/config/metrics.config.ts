import { Env, readConfig } from './env';

/** Prometheus metrics: `GET /metrics` on the service's port, or on a listener of its own. */
export class MetricsConfig {
  /** Serve metrics at all (METRICS_ENABLED, default true). */
  readonly enabled!: boolean;
  /** A separate listener for `/metrics` (kept off public ingress); unset: the service's own port. */
  readonly port!: number | undefined;
  /** Database-backed gauges (queues, outbox) are read at most this often; scrapes in between get the cached values. */
  readonly queryCacheMs!: number;
  /** A scrape waits at most this long for those gauges' query, then serves the values it has. */
  readonly queryTimeoutMs!: number;

  static fromEnv(env: Env): MetricsConfig {
    return readConfig(env, (r): MetricsConfig => {
      const port = r.string('METRICS_PORT') === undefined ? undefined : r.int('METRICS_PORT', 0, 0, 65535);
      const config: MetricsConfig = {
        enabled: r.bool('METRICS_ENABLED', true),
        port,
        queryCacheMs: r.int('METRICS_QUERY_CACHE_MS', 5000, 0, 300_000),
        queryTimeoutMs: r.int('METRICS_QUERY_TIMEOUT_MS', 250, 10, 10_000),
      };
      if (port !== undefined && port !== 0 && port === r.int('PORT', 3000, 0, 65535)) r.fail('METRICS_PORT', `must differ from PORT (both ${port})`);
      return config;
    });
  }
}
