import { Env, readConfig } from './env';

/** Events out: the outbox, webhooks, live streams, expiry reminders and the optional NATS bus. */
export class EventsConfig {
  /** False: no event is recorded at all (no webhooks, streams, reminders or bus messages); for deployments that want none. */
  readonly enabled!: boolean;
  /** Hours events are kept (stream replay, pending deliveries); at least 24. */
  readonly retentionHours!: number;
  /** Allow webhook targets on loopback, private, link-local or metadata addresses. */
  readonly allowPrivateTargets!: boolean;
  /** A delivery attempt without a 2xx within this many milliseconds fails (everything included). */
  readonly deliveryTimeoutMs!: number;
  /** The receiver must accept the connection within this many milliseconds (at most deliveryTimeoutMs). */
  readonly connectTimeoutMs!: number;
  /** The receiver's status line and headers must arrive within this many milliseconds (at most deliveryTimeoutMs). */
  readonly firstByteTimeoutMs!: number;
  /** First retry after this many milliseconds, doubling each time (with jitter) up to the maximum. */
  readonly retryBaseMs!: number;
  readonly retryMaxMs!: number;
  /** A delivery is retried for this long, then marked failed. */
  readonly retryForHours!: number;
  /** Days delivery records are kept (whole days' partitions are dropped); always longer than the retry window. */
  readonly deliveryRetentionDays!: number;
  /** A webhook failing without a success for this long is disabled. */
  readonly disableAfterHours!: number;
  /** Deliveries attempted at once per instance. */
  readonly deliveryConcurrency!: number;
  /** Deliveries of one tenant attempted at once per instance (the rest of deliveryConcurrency stays free for other tenants). */
  readonly deliveryConcurrencyPerTenant!: number;
  /** Live streams a principal (user, dashboard token) may hold open per instance. */
  readonly maxStreamsPerPrincipal!: number;
  /** Milliseconds between two comment lines on an idle stream. */
  readonly streamHeartbeatMs!: number;
  /** Days before expiry at which vault.item.expiring is sent, largest first. */
  readonly expiryReminderDays!: number[];
  /** NATS server(s) for the optional JetStream bus; undefined: off. */
  readonly natsUrl!: string | undefined;

  static fromEnv(env: Env): EventsConfig {
    return readConfig(env, (r): EventsConfig => {
      const days = r.list('VAULT_EXPIRY_REMINDER_DAYS');
      const reminderDays = (days.length > 0 ? days : ['30', '7', '1']).map(Number);
      if (reminderDays.some((d) => !Number.isInteger(d) || d < 1 || d > 365)) r.fail('VAULT_EXPIRY_REMINDER_DAYS', 'must be comma-separated whole days between 1 and 365');
      const timeoutMs = r.int('WEBHOOK_TIMEOUT_MS', 10_000, 100, 30_000);
      const concurrency = r.int('WEBHOOK_DELIVERY_CONCURRENCY', 8, 1, 100);
      const retryForHours = r.int('WEBHOOK_RETRY_HOURS', 72, 24, 24 * 30);
      return {
        enabled: r.bool('EVENTS_ENABLED', true),
        retentionHours: r.int('EVENTS_RETENTION_HOURS', 96, 24, 24 * 90),
        allowPrivateTargets: r.bool('WEBHOOK_ALLOW_PRIVATE_TARGETS', !r.isProduction),
        deliveryTimeoutMs: timeoutMs,
        connectTimeoutMs: Math.min(timeoutMs, r.int('WEBHOOK_CONNECT_TIMEOUT_MS', 3_000, 50, 30_000)),
        firstByteTimeoutMs: Math.min(timeoutMs, r.int('WEBHOOK_FIRST_BYTE_TIMEOUT_MS', timeoutMs, 50, 30_000)),
        retryBaseMs: r.int('WEBHOOK_RETRY_BASE_MS', 5_000, 10, 30_000),
        retryMaxMs: r.int('WEBHOOK_RETRY_MAX_MS', 3_600_000, 10, 86_400_000),
        retryForHours,
        deliveryRetentionDays: Math.max(Math.ceil(retryForHours / 24) + 1, r.int('WEBHOOK_DELIVERY_RETENTION_DAYS', 31, 2, 3650)),
        disableAfterHours: r.int('WEBHOOK_DISABLE_AFTER_HOURS', 72, 1, 24 * 30),
        deliveryConcurrency: concurrency,
        deliveryConcurrencyPerTenant: Math.min(concurrency, r.int('WEBHOOK_DELIVERY_CONCURRENCY_PER_TENANT', Math.max(1, Math.floor(concurrency / 4)), 1, 100)),
        maxStreamsPerPrincipal: r.int('STREAM_MAX_PER_PRINCIPAL', 5, 1, 1000),
        streamHeartbeatMs: r.int('STREAM_HEARTBEAT_MS', 15_000, 100, 60_000),
        expiryReminderDays: [...new Set(reminderDays)].sort((a, b) => b - a),
        natsUrl: r.url('NATS_URL', ['nats', 'tls', 'ws', 'wss']),
      };
    });
  }
}
