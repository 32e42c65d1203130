import { randomBytes, randomUUID } from 'node:crypto';
import { OtlpReceiver, startOtlpReceiver } from './support/otlp-receiver';
import { SpawnedService, spawnService } from './support/spawn-service';
import { newTenant, userToken } from './support/tokens';
import { WebhookReceiver, startReceiver } from './support/webhook-receiver';
import { waitFor } from './support/wait-for';

const FAULT = { resource_id: 'dev_1', microservice_id: 'wantunnel-monitor', type: 'wantunnel', severity: 'HIGH', message: 'WAN1 down' };

/**
 * The service in its own process (src/main.ts, as in production): the OTLP exporter loads Node's http
 * module with a dynamic import(), which jest's module sandbox does not run.
 */
describe('traces (OpenTelemetry over OTLP/HTTP)', () => {
  let service: SpawnedService;
  let otlp: OtlpReceiver;
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    hooks = await startReceiver();
    service = await spawnService({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_SERVICE_NAME: 'faults-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      JOBS_SCHEMA: 'jobs_tracing_e2e',
      JOBS_POLLING_INTERVAL_MS: '500',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await hooks.close();
    await otlp.close();
  });

  const call = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('continues an incoming traceparent through the request, its queries, the job and the webhook it caused, and logs it', async () => {
    const tenant = newTenant();
    const token = userToken(tenant);
    const hook = await call('POST', '/webhooks', token, { url: hooks.url, events: ['fault.*'] });
    expect(hook.status).toBe(201);

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const created = await call('POST', '/fault', token, FAULT, { traceparent: `00-${traceId}-${callerSpanId}-01`, 'idempotency-key': randomUUID() });
    expect(created.status).toBe(201);

    // The webhook receiver is handed the same trace.
    const delivery = await waitFor('the webhook delivery', () => hooks.received.find((d) => d.body.includes(created.body.id)));
    expect(delivery.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // A span is exported when it ends: the job's span ends after the delivery inside it, and may come in a later batch.
    const spans = await waitFor('the spans of the trace', () => {
      const ofTrace = otlp.spans.filter((s) => s.traceId === traceId);
      return ['POST /fault', 'job webhook-lane', 'webhook delivery'].every((name) => ofTrace.some((s) => s.name === name)) ? ofTrace : undefined;
    }, 15_000, 100);
    const request = spans.find((s) => s.name === 'POST /fault');
    expect(request).toBeDefined();
    expect(request!.parentSpanId).toBe(callerSpanId);
    expect(request!.kind).toBe(2); // SERVER
    expect(request!.attributes['http.route']).toBe('/fault');
    expect(request!.attributes['http.response.status_code']).toBe(201);
    expect(request!.serviceName).toBe('faults-under-test');
    const queries = spans.filter((s) => s.name.startsWith('db ') && s.parentSpanId === request!.spanId);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.some((q) => String(q.attributes['db.query.text']).includes('INSERT INTO events'))).toBe(true);
    const job = spans.find((s) => s.name === 'job webhook-lane');
    expect(job).toBeDefined();
    const webhook = spans.find((s) => s.name === 'webhook delivery')!;
    expect(webhook.attributes['webhook.outcome']).toBe('delivered');
    // The receiver's traceparent names the delivery's own span.
    expect(delivery.headers.traceparent.split('-')[2]).toBe(webhook.spanId);

    // The request's access-log line carries its trace and span.
    const line = service.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.msg === 'request completed' && l.trace_id === traceId);
    expect(line).toMatchObject({ trace_id: traceId, span_id: request!.spanId, req: { route: '/fault' } });

    // No token, webhook secret or tenant in what was exported.
    const exported = otlp.bodies.join('\n');
    for (const secret of [token, hook.body.secret, tenant]) expect(exported).not.toContain(secret);
  });

  it('starts a new trace when no traceparent comes, named by route template, never by path', async () => {
    const token = userToken(newTenant());
    const id = `flt_${randomBytes(10).toString('hex')}`;
    expect((await call('GET', `/fault/${id}`, token)).status).toBe(404);
    const span = await waitFor('the request span', () => {
      return otlp.spans.find((s) => s.name === 'GET /fault/:faultId' && s.attributes['http.response.status_code'] === 404);
    });
    expect(span.parentSpanId).toBeUndefined();
    expect(otlp.bodies.join('\n')).not.toContain(id);
  });
});
