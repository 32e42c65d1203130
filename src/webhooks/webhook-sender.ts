import http from 'node:http';
import https from 'node:https';
import { LookupAddress } from 'node:dns';
import { LookupFunction } from 'node:net';
import { WebhookTargetError, parseWebhookUrl, resolveTarget } from './webhook-target';

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface DeliveryResult {
  ok: boolean;
  /** The receiver's status code; null when no response came (refused target, timeout, network error). */
  status: number | null;
  /** Why it failed, for /deliveries (no secret, no body). */
  error: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs one delivery. The host is resolved once, every address checked, and
 * the connection made to a checked address only (the lookup is pinned, so a
 * DNS answer changing between check and connect cannot redirect it).
 * Redirects are not followed (a 3xx is a failure); the whole exchange has a
 * deadline; the response body is read (to free the socket) and discarded.
 */
export async function sendDelivery(request: DeliveryRequest): Promise<DeliveryResult> {
  let url: URL;
  let addresses: LookupAddress[];
  try {
    url = parseWebhookUrl(request.url);
    addresses = await resolveTarget(url.hostname, request.allowPrivate);
  } catch (error) {
    if (error instanceof WebhookTargetError) return { ok: false, status: null, error: error.message };
    throw error;
  }
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<DeliveryResult>((resolve) => {
    let settled = false;
    const finish = (result: DeliveryResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const req = transport.request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), 'user-agent': 'netops-webhooks/1' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) res.destroy();
        });
        const done = (): void => {
          const ok = status >= 200 && status < 300;
          finish({ ok, status, error: ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `receiver answered ${status}` });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, error: `no response within ${request.timeoutMs} ms` });
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, status: null, error: `request failed: ${error.code ?? error.message}`.slice(0, 300) }));
    req.end(request.body);
  });
}
