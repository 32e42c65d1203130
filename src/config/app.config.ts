import path from 'node:path';
import { Env, readConfig } from './env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** HTTP server, logging and process-wide settings. */
export class AppConfig {
  readonly nodeEnv!: string;
  readonly isProduction!: boolean;
  readonly host!: string;
  readonly port!: number;
  /**
   * Connections the kernel queues for the listener before it accepts them. Node's default (511)
   * overflowed under a burst of 1,000 new connections (4,798 ListenOverflows in one test run):
   * handshakes were dropped and retried, and a client whose retries ran out got a reset. Linux caps
   * it at net.core.somaxconn (4096 by default).
   */
  readonly listenBacklog!: number;
  /** Folder for everything the service keeps locally (embedded database, dev keys). */
  readonly dataDir!: string;
  readonly logLevel!: LogLevel;
  /** Allowed CORS origins; empty disables CORS, `*` allows any origin. */
  readonly corsOrigins!: string[];
  readonly bodyLimitBytes!: number;
  /** Requests allowed per principal (or client address for public routes) per window. */
  readonly rateLimitMax!: number;
  readonly rateLimitWindowSeconds!: number;
  /** Requests allowed per client address per window, counted before authentication. */
  readonly rateLimitAddressMax!: number;
  /** `memory`: per instance, no I/O. `postgres`: shared by every instance on the database. */
  readonly rateLimitStore!: 'memory' | 'postgres' | 'redis';
  /** The Redis of RATE_LIMIT_STORE=redis. */
  readonly redisUrl!: string | undefined;
  /** Seconds a graceful shutdown waits for in-flight requests. */
  readonly shutdownTimeoutSeconds!: number;
  /** Milliseconds between SIGTERM and closing the listener, while readiness says 503 and connections are closed after each response. */
  readonly shutdownDrainMs!: number;
  /** Trust `X-Forwarded-*` headers (behind a load balancer) for the client address and protocol. */
  readonly trustProxy!: boolean;

  static fromEnv(env: Env): AppConfig {
    return readConfig(env, (r): AppConfig => {
      const config: AppConfig = {
        nodeEnv: r.string('NODE_ENV', 'development'),
        isProduction: r.isProduction,
        host: r.string('HOST', '0.0.0.0'),
        port: r.int('PORT', 3000, 0, 65535),
        listenBacklog: r.int('LISTEN_BACKLOG', 4096, 1, 65535),
        dataDir: path.resolve(r.string('DATA_DIR', '.data')),
        logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
        corsOrigins: r.list('CORS_ORIGINS'),
        bodyLimitBytes: 64 * 1024,
        rateLimitMax: r.int('RATE_LIMIT_MAX', 600, 1, 1_000_000),
        rateLimitAddressMax: 0, // below: its default depends on rateLimitMax
        rateLimitWindowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
        rateLimitStore: r.oneOf('RATE_LIMIT_STORE', ['memory', 'postgres', 'redis'] as const, 'memory'),
        redisUrl: r.url('REDIS_URL', ['redis', 'rediss']),
        shutdownTimeoutSeconds: r.int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 300),
        shutdownDrainMs: r.int('SHUTDOWN_DRAIN_MS', 1000, 0, 60_000),
        trustProxy: r.bool('TRUST_PROXY', false),
      };
      (config as { rateLimitAddressMax: number }).rateLimitAddressMax = r.int('RATE_LIMIT_ADDRESS_MAX', config.rateLimitMax * 10, 1, 100_000_000);
      if (config.rateLimitStore === 'redis' && config.redisUrl === undefined) r.fail('REDIS_URL', 'is required when RATE_LIMIT_STORE=redis (redis://host:6379)');
      return config;
    });
  }
}
