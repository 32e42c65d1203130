import autocannon, { Client, Request } from 'autocannon';

export interface LoadCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** A fixed body, or one per request (so creates do not collide). */
  body?: object | (() => object);
  /** The status every request must get; anything else counts as an error. */
  expect: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  requests: number;
  /** The statuses other than the expected one, by status (errors and timeouts are in `errors`). */
  unexpected?: Record<string, number>;
}

export async function runLoad(baseUrl: string, c: LoadCase, connections: number, durationSeconds: number): Promise<LoadResult> {
  let unexpected = 0;
  const statuses: Record<string, number> = {};
  const bodyFor = (): string | undefined => {
    const b = typeof c.body === 'function' ? (c.body as () => unknown)() : c.body;
    return b === undefined ? undefined : JSON.stringify(b);
  };
  const result = await autocannon({
    url: `${baseUrl}${c.path}`,
    method: c.method,
    connections,
    duration: durationSeconds,
    headers: { ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}), ...c.headers },
    ...(typeof c.body === 'function'
      ? { requests: [{ setupRequest: (req: Request): Request => ({ ...req, body: bodyFor() }) }] }
      : c.body !== undefined
        ? { body: bodyFor() }
        : {}),
    setupClient: (client: Client) => {
      client.on('response', (status: number) => {
        if (status !== c.expect) {
          unexpected++;
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      });
    },
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + unexpected,
    requests: result.requests.total,
    ...(unexpected > 0 ? { unexpected: statuses } : {}),
  };
}
