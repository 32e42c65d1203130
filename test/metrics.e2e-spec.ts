import { randomUUID } from 'node:crypto';
import { MetricsListener } from '../src/metrics/metrics-listener';
import { familiesOf, sampleValue, seriesOf } from './support/metrics-text';
import { PrometheusServer, ensurePrometheus, promtool, startPrometheus } from './support/prometheus';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';
import { startReceiver, WebhookReceiver } from './support/webhook-receiver';
import { waitFor } from './support/wait-for';

const FAULT = { resource_id: 'dev_1', microservice_id: 'wantunnel-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };

/** Every family the contract (API.md, Operating the service → Metrics) names, and the process metrics. */
const CONTRACT_FAMILIES = [
  'netops_http_requests_total',
  'netops_http_request_duration_seconds',
  'netops_db_pool_connections_in_use',
  'netops_db_pool_connections_idle',
  'netops_db_pool_waiting_requests',
  'netops_job_queue_depth',
  'netops_job_queue_oldest_age_seconds',
  'netops_outbox_undelivered',
  'netops_outbox_oldest_undelivered_age_seconds',
  'netops_webhook_deliveries_total',
  'netops_webhook_delivery_duration_seconds',
  'netops_sse_open_streams',
  'netops_kms_operations_total',
  'netops_kms_operation_duration_seconds',
  'netops_jwks_refreshes_total',
  'netops_rate_limit_refusals_total',
  'netops_embedded_postgres_restarts_total',
  'netops_ready',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
];

const tools = ensurePrometheus();
const withTools = 'skip' in tools ? it.skip : it;
if ('skip' in tools) console.warn(tools.skip);

describe('metrics (GET /metrics, Prometheus text format)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const tenant = newTenant();
  const token = userToken(tenant);
  const scrape = async (): Promise<string> => {
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_metrics_e2e', JOBS_POLLING_INTERVAL_MS: '500', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', METRICS_QUERY_CACHE_MS: '0', METRICS_QUERY_TIMEOUT_MS: '5000' } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it("shows every family of the contract after the README's first requests, by route template", async () => {
    const hook = await t.request('POST', '/webhooks', { token, body: { url: receiver.url, events: ['*'] } });
    expect(hook.status).toBe(201);
    const created = await t.request('POST', '/fault', { token, body: FAULT, headers: { 'idempotency-key': randomUUID() } });
    expect(created.status).toBe(201);
    expect((await t.request('GET', `/fault/${created.body.id}`, { token })).status).toBe(200);
    expect((await t.request('GET', '/fault', {})).status).toBe(401);
    expect((await t.request('POST', '/workflows/vault', { token, body: { name: 'router-backup', secret: 's3cr3t-value' } })).status).toBe(201);
    expect((await t.request('GET', '/health/ready')).status).toBe(200);
    await waitFor('the webhook delivery', () => receiver.received.length >= 1);

    const text = await waitFor('the delivery to be counted', async () => {
      const body = await scrape();
      return (sampleValue(body, 'netops_webhook_deliveries_total', { outcome: 'delivered' }) ?? 0) >= 1 ? body : undefined;
    });
    const families = familiesOf(text);
    expect(CONTRACT_FAMILIES.filter((name) => !families.has(name))).toEqual([]);
    expect(sampleValue(text, 'netops_http_requests_total', { method: 'GET', route: '/fault/:faultId', status: '200' })).toBe(1);
    expect(sampleValue(text, 'netops_http_requests_total', { method: 'GET', route: '/fault', status: '401' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'netops_http_request_duration_seconds_bucket', { method: 'GET', route: '/fault/:faultId', status: '200', le: '0.001' })).toBeDefined();
    expect(sampleValue(text, 'netops_http_request_duration_seconds_bucket', { method: 'GET', route: '/fault/:faultId', status: '200', le: '10' })).toBe(1);
    expect(sampleValue(text, 'netops_kms_operations_total', { provider: 'local', operation: 'generate_data_key', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(text, 'netops_job_queue_depth', { queue: 'webhook-lane' })).toBeDefined();
    expect(sampleValue(text, 'netops_outbox_undelivered', { target: 'webhook' })).toBeDefined();
    expect(sampleValue(text, 'netops_ready')).toBe(1);
    expect(sampleValue(text, 'netops_db_pool_connections_idle')).toBeGreaterThanOrEqual(0);
    // Nothing a client sent becomes a label: no tenant, id, token or path.
    for (const secret of [tenant, created.body.id, token, 'router-backup', 's3cr3t-value']) expect(text).not.toContain(secret);
  });

  it('adds no series for 1,000 distinct unknown paths and ids', async () => {
    const id = () => `flt_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    // Each kind once, so that its series exists before counting.
    expect((await t.request('GET', `/fault/${id()}`, { token })).status).toBe(404);
    expect((await t.request('GET', `/no-such-path/${randomUUID()}`)).status).toBe(404);
    expect((await t.request('DELETE', `/webhooks/${id()}`, { token })).status).toBe(404);
    const before = seriesOf(await scrape()).filter((line) => line.startsWith('netops_http_'));
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          (i + j) % 3 === 0 ? t.request('GET', `/fault/${id()}`, { token }) : (i + j) % 3 === 1 ? t.request('GET', `/no-such-path/${randomUUID()}?x=${i + j}`) : t.request('DELETE', `/webhooks/${id()}`, { token }),
        ),
      );
    }
    const text = await scrape();
    const after = seriesOf(text).filter((line) => line.startsWith('netops_http_'));
    console.log(`HTTP series before: ${before.length}, after 1,000 distinct unknown paths and ids: ${after.length}`);
    expect(after.length).toBe(before.length);
    expect(sampleValue(text, 'netops_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(334);
    expect(text).not.toContain('no-such-path');
  });

  withTools('passes promtool check metrics on a live scrape', async () => {
    const { promtool: binary } = tools as { promtool: string };
    const result = promtool(binary, ['check', 'metrics'], await scrape());
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  withTools('is scraped by a real Prometheus, whose HTTP API then shows the series', async () => {
    const { prometheus } = tools as { prometheus: string };
    const server: PrometheusServer = await startPrometheus(prometheus, new URL(t.baseUrl).host);
    try {
      const up = await waitFor('Prometheus to scrape the service', async () => {
        const result = await server.query('up{job="netops-faults-vault"}');
        return result.length === 1 && result[0].value[1] === '1' ? result : undefined;
      }, 20_000, 200);
      expect(up[0].metric.instance).toBe(new URL(t.baseUrl).host);
      const routes = await server.query('sum by (route) (netops_http_requests_total{route="/fault/:faultId"})');
      expect(routes.length).toBe(1);
      expect(Number((await server.query('netops_ready'))[0].value[1])).toBe(1);
      expect((await server.query('netops_job_queue_depth')).length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});

describe('metrics switches (METRICS_PORT, METRICS_ENABLED)', () => {
  it('serves /metrics on its own listener with METRICS_PORT, and not on the service port', async () => {
    const t = await startTestApp({ env: { METRICS_PORT: '0', JOBS_SCHEMA: 'jobs_metrics_port_e2e', RATE_LIMIT_MAX: '2' } });
    try {
      expect((await t.request('GET', '/metrics')).status).toBe(404);
      const port = t.app.get(MetricsListener).port;
      expect(port).toBeGreaterThan(0);
      const scrape = async (): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        return res.text();
      };
      expect((await fetch(`http://127.0.0.1:${port}/fault`)).status).toBe(404);
      // The per-principal limiter (2 a window here) refuses the third request: counted by limiter.
      const before = sampleValue(await scrape(), 'netops_rate_limit_refusals_total', { limiter: 'principal' }) ?? 0;
      const token = userToken(newTenant());
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.request('GET', '/fault', { token })).status);
      expect(statuses).toEqual([200, 200, 429]);
      expect(sampleValue(await scrape(), 'netops_rate_limit_refusals_total', { limiter: 'principal' })).toBe(before + 1);
    } finally {
      await t.close();
    }
  });

  it('serves nothing with METRICS_ENABLED=false', async () => {
    const t = await startTestApp({ env: { METRICS_ENABLED: 'false', JOBS_SCHEMA: 'jobs_metrics_off_e2e' } });
    try {
      expect((await t.request('GET', '/metrics')).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
