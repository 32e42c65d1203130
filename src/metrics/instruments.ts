import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's metrics: one registry, created once, that every instrumented place records into
 * (webhook sender, KMS provider, rate-limit guards, embedded PostgreSQL supervisor, HTTP hook).
 * Gauges that are read at scrape time (pool, queues, outbox, streams, JWKS) belong to the running
 * application and are registered by MetricsCollector on a registry of its own; /metrics serves both.
 *
 * Labels are fixed vocabularies (route templates, outcomes, provider and queue names): never an id,
 * a tenant, a token or a raw path, so the number of series does not grow with what clients send.
 */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
// prom-client adds `…_total` gauges beside nodejs_active_handles/requests/resources (same values, summed);
// Prometheus reserves `_total` for counters and `promtool check metrics` refuses them.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) processRegistry.removeSingleMetric(name);

/** 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = new Counter({
  name: 'netops_http_requests_total',
  help: 'HTTP requests answered, by method, route template (unmatched: no route) and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [processRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'netops_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its response, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [processRegistry],
});

export type WebhookOutcome = 'delivered' | 'rejected' | 'timeout' | 'network_error' | 'refused_target';

export const webhookDeliveries = new Counter({
  name: 'netops_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome: delivered (2xx), rejected (other status), timeout, network_error, refused_target (URL or address refused).',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});

export const webhookDeliveryDuration = new Histogram({
  name: 'netops_webhook_delivery_duration_seconds',
  help: 'Duration of one webhook delivery attempt (resolve, connect, send, response head), by outcome.',
  labelNames: ['outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [processRegistry],
});

export const kmsOperations = new Counter({
  name: 'netops_kms_operations_total',
  help: 'KMS provider calls by provider, operation (generate_data_key, wrap_key, unwrap_key, health) and outcome (success, key_error, error).',
  labelNames: ['provider', 'operation', 'outcome'] as const,
  registers: [processRegistry],
});

export const kmsOperationDuration = new Histogram({
  name: 'netops_kms_operation_duration_seconds',
  help: 'Duration of KMS provider calls by provider and operation.',
  labelNames: ['provider', 'operation'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [processRegistry],
});

export const rateLimitRefusals = new Counter({
  name: 'netops_rate_limit_refusals_total',
  help: 'Requests refused with 429 by limiter: address (per client address, before authentication) or principal (per verified caller).',
  labelNames: ['limiter'] as const,
  registers: [processRegistry],
});

export const embeddedPostgresRestarts = new Counter({
  name: 'netops_embedded_postgres_restarts_total',
  help: 'Times the embedded PostgreSQL this process started died unexpectedly and was restarted.',
  registers: [processRegistry],
});

/** Seconds since `startNs` (process.hrtime.bigint()). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}
