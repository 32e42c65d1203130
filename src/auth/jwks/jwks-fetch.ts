import { JSONWebKeySet } from 'jose';

export interface JwksFetchOptions {
  url: string;
  /** The whole fetch, body included. */
  timeoutMs: number;
  /** Largest body read; a larger key set is refused without being read to its end. */
  maxBytes: number;
  fetchFn?: typeof fetch;
}

/** Most keys a set may hold: providers publish a handful (current, next, previous). */
const MAX_KEYS = 100;

/**
 * One fetch of the identity provider's key set: no redirect is followed (the configured URL names
 * the set itself, and a redirect could lead anywhere), the body is bounded and the whole exchange
 * has a deadline. Throws an Error saying what was wrong; the caller keeps the keys it had.
 */
export async function fetchJwks(options: JwksFetchOptions): Promise<JSONWebKeySet> {
  const fetchFn = options.fetchFn ?? fetch;
  const response = await fetchFn(options.url, {
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs),
    headers: { accept: 'application/jwk-set+json, application/json' },
  });
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new Error(`the provider answered a redirect (HTTP ${response.status}), which is not followed: set JWT_JWKS_URL to the key set's own URL`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const text = await readBounded(response, options.maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('the key set is not JSON');
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('the key set has no "keys" array');
  if (keys.length > MAX_KEYS) throw new Error(`the key set holds ${keys.length} keys, more than ${MAX_KEYS}`);
  return { keys: keys.filter((k): k is JSONWebKeySet['keys'][number] => typeof k === 'object' && k !== null && !Array.isArray(k)) };
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`the key set is larger than ${maxBytes} bytes`);
  }
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the key set is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
