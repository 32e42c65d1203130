import http from 'node:http';
import https from 'node:https';
import { LookupAddress } from 'node:dns';
import { LookupFunction } from 'node:net';
import { WebhookOutcome, secondsSince, webhookDeliveries, webhookDeliveryDuration } from '../metrics/instruments';
import { SpanKind, SpanStatusCode, inSpan, traceHeaders } from '../tracing/tracing';
import { HostResolver, WebhookTargetError, parseWebhookUrl, resolveTarget, systemResolver } from './webhook-target';

export interface DeliveryTimeouts {
  /** The TCP connection must be established within this. */
  connectMs: number;
  /** The response's status line and headers must have arrived within this of the request starting. */
  firstByteMs: number;
  /** Everything — resolving, connecting, sending, the response head — within this; then the socket is cut. */
  totalMs: number;
}

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeouts: DeliveryTimeouts;
  allowPrivate: boolean;
}

export interface DeliveryResult {
  ok: boolean;
  /** The receiver's status code; null when no response came (refused target, timeout, network error). */
  status: number | null;
  /** Why it failed, for /deliveries (no secret, no body). */
  error: string | null;
}

class DeliveryTimeout extends Error {}

/** `promise`, or a DeliveryTimeout once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new DeliveryTimeout(what)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * POSTs one delivery. The host is resolved once, every address classified, and the connection made
 * to exactly the address classified (the lookup is pinned to it: no second DNS query, so an answer
 * changing between check and connect cannot redirect it). Three deadlines hold against a receiver
 * that never accepts, accepts and never answers, or trickles its answer: connect, first byte (the
 * response head) and total. The outcome is decided by the status line: the response body is never
 * read (the socket is closed at once), so a body that never ends costs nothing. Redirects are not
 * followed (a 3xx is a failure).
 */
export async function sendDelivery(request: DeliveryRequest, resolver: HostResolver = systemResolver): Promise<DeliveryResult> {
  return inSpan('webhook delivery', { kind: SpanKind.CLIENT }, async (span) => {
    const started = process.hrtime.bigint();
    // The receiver can continue the trace: the delivery's own span as `traceparent` (not signed, like user-agent).
    const result = await deliver({ ...request, headers: { ...request.headers, ...traceHeaders() } }, resolver);
    const outcome = outcomeOf(result);
    webhookDeliveries.inc({ outcome });
    webhookDeliveryDuration.observe({ outcome }, secondsSince(started));
    span?.setAttributes({ 'webhook.outcome': outcome, ...(result.status !== null ? { 'http.response.status_code': result.status } : {}) });
    if (!result.ok) span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    return result;
  });
}

/** How an attempt ended, as a metric label (a fixed vocabulary, never the URL or the error text). */
function outcomeOf(result: DeliveryResult): WebhookOutcome {
  if (result.ok) return 'delivered';
  if (result.status !== null) return 'rejected';
  if (result.error?.startsWith('request failed')) return 'network_error';
  if (result.error !== null && / within \d+ ms$/.test(result.error)) return 'timeout';
  return 'refused_target';
}

async function deliver(request: DeliveryRequest, resolver: HostResolver): Promise<DeliveryResult> {
  const started = Date.now();
  const { connectMs, firstByteMs, totalMs } = request.timeouts;
  let url: URL;
  let target: LookupAddress;
  try {
    url = parseWebhookUrl(request.url);
    target = await within(resolveTarget(url.hostname, request.allowPrivate, resolver), totalMs, `url host did not resolve within ${totalMs} ms`);
  } catch (error) {
    if (error instanceof WebhookTargetError || error instanceof DeliveryTimeout) return { ok: false, status: null, error: error.message };
    throw error;
  }
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<DeliveryResult>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const finish = (result: DeliveryResult): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      // The answer is known (or given up on): the connection goes, whatever the receiver still sends.
      req.destroy();
      resolve(result);
    };
    const cutAfter = (ms: number, error: string): NodeJS.Timeout => {
      const timer = setTimeout(() => finish({ ok: false, status: null, error }), Math.max(0, ms));
      timers.push(timer);
      return timer;
    };
    const req = transport.request(url, {
      method: 'POST',
      lookup: pinned,
      agent: false,
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), 'user-agent': 'netops-webhooks/1' },
    });
    const elapsed = Date.now() - started;
    cutAfter(totalMs - elapsed, `no response within ${totalMs} ms`);
    cutAfter(Math.min(firstByteMs, totalMs) - elapsed, `no response head within ${firstByteMs} ms`);
    const connecting = cutAfter(Math.min(connectMs, totalMs) - elapsed, `no connection within ${connectMs} ms`);
    req.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connecting);
      else socket.once('connect', () => clearTimeout(connecting));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      finish({ ok, status, error: ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `receiver answered ${status}` });
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: `request failed: ${error.code ?? error.message}`.slice(0, 300) }));
    req.end(request.body);
  });
}
