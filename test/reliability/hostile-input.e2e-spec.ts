import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { TestApp, TestResponse, startTestApp } from '../support/test-app';
import { nestedJson } from '../support/nested-json';
import { RawResponse, rawRequest } from '../support/raw-http';
import { newTenant, rawToken, serviceToken, userToken } from '../support/tokens';
import { BAD_CLAIMS, BAD_ENCODINGS, FIELD_VALUES, MALFORMED_REQUESTS, PROTOTYPE_KEYS, QUERY_VALUES } from './hostile-classes';

/**
 * Hostile input against every operation of the OpenAPI document, in two parts:
 * - random: fast-check generates path ids, query strings (with duplicates), bodies (wrong types, huge and
 *   empty strings, unicode edge cases, lone surrogates, deep nesting, prototype-pollution keys) and headers;
 * - by class, for every operation: every field of its body and every query parameter given each value in
 *   FIELD_VALUES / QUERY_VALUES (nulls, wrong types, dates outside years 1–9999, numbers beyond bigint…),
 *   every prototype-named key, nesting beyond the bound, every malformed claim (must be 401), bad URL
 *   encodings, over-long paths and headers, and malformed HTTP over a raw socket.
 * Every response: never a 5xx; every error in the documented shape with a request id (echoed in
 * x-request-id); and nothing stored but what was acknowledged with a 2xx.
 */
const RUNS_PER_OPERATION = Number(process.env.HOSTILE_RUNS ?? 320);
const FULL_RUN = RUNS_PER_OPERATION >= 320;
const TIMEOUT_MS = 300_000;

/** Runs the tasks with at most `limit` in flight (the server has cores to spare while a client waits). */
async function inPool(tasks: Array<() => Promise<unknown>>, limit = 6): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
}

const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF', 'a\uD800b', '💥'.repeat(30), '../../etc/passwd', "' OR 1=1 --", '%00', '%', '%ZZ', '${7*7}', '__proto__', 'constructor', 'toString', 'flt_' + 'A'.repeat(27), 'vlt_' + '0'.repeat(26), 'x'.repeat(5000), '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00Z', '99999999999999999999'),
);
const nastyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'valueOf', 'hasOwnProperty', 'name', 'secret', 'customer_id', 'severity', 'limit')), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Percent-encodes anything, lone surrogates included (as their WTF-8 bytes, i.e. invalid UTF-8 on the wire). */
function encodeAnything(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(ch);
    }
  }
  return out;
}

interface SchemaProperty {
  type?: string;
  example?: unknown;
  enum?: unknown[];
  minimum?: number;
  items?: SchemaProperty;
}
interface Schema {
  properties?: Record<string, SchemaProperty>;
  required?: string[];
}
interface Operation {
  method: string;
  path: string;
  secured: boolean;
  body?: Schema;
  query: string[];
}

describe('hostile input', () => {
  let t: TestApp;
  let operations: Operation[];
  const tenant = newTenant();
  const user = userToken(tenant);
  const service = serviceToken(['vault:use', 'faults:ingest']);
  const tokens = [user, service];
  const samples: Record<string, string> = {};
  /** Ids of everything a 2xx said was created, and of everything a 204 said was deleted. */
  const created = new Set<string>();
  const deleted = new Set<string>();
  let requests = 0;

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.request('GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown[];
            parameters?: Array<{ in: string; name: string }>;
            requestBody?: { content: Record<string, { schema: { $ref: string } }> };
            responses?: Record<string, { content?: object }>;
          }
        >
      >;
      components: { schemas: Record<string, Schema> };
    };
    // Live streams (text/event-stream) stay open by design; test/fault-stream.e2e-spec.ts covers their refusals.
    const isStream = (op: { responses?: Record<string, { content?: object }> }): boolean =>
      Object.keys(op.responses?.['200']?.content ?? {}).includes('text/event-stream');
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => !isStream(op))
        .map(([method, op]) => {
        const ref = op.requestBody?.content['application/json']?.schema.$ref;
        return {
          method: method.toUpperCase(),
          path,
          secured: (op.security ?? []).length > 0,
          body: ref ? doc.components.schemas[ref.split('/').pop()!] : undefined,
          query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        };
      }),
    );
    // Real ids, so that validation behind the lookups is reached too.
    const fault = await t.request('POST', '/fault', { token: user, body: { resource_id: 'dev_h', microservice_id: 'h', type: 'h', severity: 'LOW', message: 'hostile seed' } });
    const item = await t.request('POST', '/workflows/vault', { token: user, body: { name: 'hostile-seed', secret: 's' } });
    const minted = await t.request('POST', '/fault/token', { token: user, body: { expire_after_minutes: 60 } });
    created.add(fault.body.id);
    created.add(item.body.id);
    Object.assign(samples, { faultId: fault.body.id, vaultId: item.body.id, id: String(minted.body.short_link).split('/').pop(), code: String(minted.body.short_link).split('/').pop() });
  });
  afterAll(() => t.close());

  const pathOf = (op: Operation, id?: string): string => op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => id ?? samples[name] ?? 'x');

  /** The documented error shape with a request id, echoed in x-request-id. */
  const checkShape = (label: string, status: number, body: any, requestIdHeader: string | null | undefined): void => {
    if (status >= 500) throw new Error(`${label} → ${status}: ${JSON.stringify(body)?.slice(0, 300)}`);
    if (status < 400) return;
    const ok =
      typeof body === 'object' && body !== null && body.statusCode === status && typeof body.error === 'string' && typeof body.message === 'string' &&
      typeof body.request_id === 'string' && body.request_id.length > 0 && body.request_id === requestIdHeader;
    if (!ok) throw new Error(`${label} → ${status} not in the error shape: ${JSON.stringify(body)?.slice(0, 300)} (x-request-id ${requestIdHeader})`);
  };

  const send = async (op: Operation, path: string, options: { token?: string; rawBody?: string; headers?: Record<string, string> }): Promise<TestResponse> => {
    requests++;
    let res: TestResponse;
    try {
      res = await t.request(op.method, path, options);
    } catch (error) {
      throw new Error(`${op.method} ${path.slice(0, 200)}: request failed: ${(error as Error).message}`, { cause: error });
    }
    checkShape(`${op.method} ${op.path} (${path.slice(0, 120)})`, res.status, res.body, res.headers.get('x-request-id'));
    if (res.status === 201 && typeof res.body?.id === 'string') created.add(res.body.id);
    if (res.status === 204 && op.method === 'DELETE') deleted.add(decodeURIComponent(path.split('?')[0].split('/').pop()!));
    return res;
  };
  const sendRaw = async (label: string, payload: string): Promise<RawResponse> => {
    requests++;
    const res = await rawRequest(t.baseUrl, payload);
    checkShape(label, res.status, res.body, res.headers['x-request-id']);
    return res;
  };
  const tokenFor = (op: Operation): string => (op.path.startsWith('/internal/') ? service : user);

  /** A body that passes validation, from the schema's examples, enums and minimums. */
  const validBody = (schema: Schema): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries(schema.properties ?? {})) {
      if (!(schema.required ?? []).includes(name)) continue;
      body[name] = prop.example ?? prop.enum?.[0] ?? prop.minimum ?? (prop.type === 'array' ? [prop.items?.example ?? 'abc'] : 'abc');
    }
    return body;
  };

  it('covers the whole API', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
  });

  it('random: never answers 5xx, always in the error shape', async () => {
    await inPool(operations.map((op) => () =>
      fc.assert(
        fc.asyncProperty(
          fc.array(nastyString, { minLength: 3, maxLength: 3 }),
          fc.array(fc.tuple(fc.constantFrom(...op.query, 'x', 'constructor', 'valueOf'), nastyString), { maxLength: 4 }),
          fc.option(nastyValue, { nil: undefined }),
          fc.constantFrom(...tokens),
          fc.constantFrom<Record<string, string>>({}, { 'idempotency-key': 'k-1' }, { 'x-request-id': '\u00ff\u00fe' }, { 'content-type': 'application/json; charset=utf-7' }),
          async (ids, query, body, token, headers) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => encodeAnything(ids[i++ % ids.length]));
            const qs = query.map(([k, v]) => `${k}=${encodeAnything(v)}`).join('&');
            await send(op, `${path}${qs ? `?${qs}` : ''}`, {
              token,
              headers,
              ...(body !== undefined && op.method !== 'GET' && op.method !== 'DELETE' ? { rawBody: JSON.stringify(body) } : {}),
            });
          },
        ),
        { numRuns: RUNS_PER_OPERATION },
      ),
    ), 4);
  }, TIMEOUT_MS);

  it('by class: every body field and query parameter of every operation gets every hostile value', async () => {
    const tasks: Array<() => Promise<unknown>> = [];
    for (const op of operations) {
      if (op.body) {
        const base = validBody(op.body);
        for (const field of Object.keys(op.body.properties ?? {})) {
          for (const value of FIELD_VALUES) {
            for (const token of tokens) tasks.push(() => send(op, pathOf(op), { token, rawBody: JSON.stringify({ ...base, [field]: value }) }));
          }
          // nested at the bound, beyond it, and far beyond it, inside the field
          for (const depth of [31, 33, 2000]) {
            tasks.push(async () => {
              const res = await send(op, pathOf(op), { token: tokenFor(op), rawBody: JSON.stringify({ ...base, [field]: '@' }).replace('"@"', nestedJson(depth)) });
              expect(`${op.method} ${op.path} ${field} depth ${depth} → ${res.status}`).toMatch(/ 4\d\d$/);
            });
          }
        }
      }
      for (const param of op.query) {
        for (const value of QUERY_VALUES) {
          for (const token of tokens) tasks.push(() => send(op, `${pathOf(op)}?${param}=${encodeURIComponent(value)}`, { token }));
        }
      }
    }
    await inPool(tasks);
  }, TIMEOUT_MS);

  it('by class: prototype-named keys in every body and query string are refused like any unknown property', async () => {
    const tasks: Array<() => Promise<unknown>> = [];
    for (const op of operations) {
      for (const key of PROTOTYPE_KEYS) {
        const token = tokenFor(op);
        tasks.push(async () => {
          const res = await send(op, `${pathOf(op)}?${encodeURIComponent(key)}=1`, { token });
          // Operations that take a query string refuse unknown parameters; the others ignore every one alike.
          if (op.query.length > 0) expect(`${op.method} ${op.path}?${key} → ${res.status}`).toMatch(/ 400$/);
        });
        if (op.body) {
          tasks.push(async () => {
            const res = await send(op, pathOf(op), { token, rawBody: JSON.stringify({ ...validBody(op.body!), [key]: 'x' }) });
            expect(`${op.method} ${op.path} ${key} → ${res.status}`).not.toMatch(/ 2\d\d$/);
          });
        }
      }
    }
    await inPool(tasks);
  }, TIMEOUT_MS);

  it('by class: a token with any malformed claim is refused with 401 on every protected operation', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tasks: Array<() => Promise<unknown>> = [];
    for (const op of operations.filter((o) => o.secured)) {
      for (const bad of BAD_CLAIMS) {
        const { iatAhead, ...claims } = bad as { iatAhead?: number };
        const payload = { sub: 'usr_h', customer_id: tenant, iat: now, exp: now + 300, ...claims, ...(iatAhead ? { iat: now + iatAhead } : {}) };
        tasks.push(async () => {
          const res = await send(op, pathOf(op), { token: rawToken({ alg: 'HS256', typ: 'JWT' }, payload), ...(op.body ? { rawBody: JSON.stringify(validBody(op.body)) } : {}) });
          expect(`${op.method} ${op.path} ${JSON.stringify(bad)} → ${res.status}`).toMatch(/ 401$/);
        });
      }
    }
    await inPool(tasks);
  }, TIMEOUT_MS);

  it('by class: bad URL encodings, over-long paths and headers, and malformed HTTP over a raw socket', async () => {
    const tasks: Array<() => Promise<unknown>> = [];
    for (const op of operations) {
      const head = (target: string, extra = ''): string => `${op.method} ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokenFor(op)}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`;
      for (const encoding of BAD_ENCODINGS) {
        tasks.push(() => sendRaw(`${op.method} ${op.path} id ${encoding}`, head(pathOf(op, `a${encoding}b`))));
        tasks.push(() => sendRaw(`${op.method} ${op.path} query ${encoding}`, head(`${pathOf(op)}?${op.query[0] ?? 'x'}=${encoding}`)));
      }
      for (const length of [2100, 9000, 20_000]) tasks.push(() => sendRaw(`${op.method} ${op.path} path ${length}`, head(pathOf(op, 'a'.repeat(length)))));
      tasks.push(() => sendRaw(`${op.method} ${op.path} query 20000`, head(`${pathOf(op)}?x=${'a'.repeat(20_000)}`)));
      tasks.push(() => sendRaw(`${op.method} ${op.path} header 20000`, head(pathOf(op), `X-Big: ${'a'.repeat(20_000)}\r\n`)));
      tasks.push(() => sendRaw(`${op.method} ${op.path} 200 headers`, head(pathOf(op), Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'v'.repeat(100)}\r\n`).join(''))));
    }
    for (const payload of MALFORMED_REQUESTS) tasks.push(() => sendRaw(`malformed ${JSON.stringify(payload.slice(0, 40))}`, payload));
    await inPool(tasks);
    // Random bytes as a request (not only whitespace: the parser rightly waits for more after blank lines).
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 200 }).filter((g) => g.trim().length > 0), async (garbage) => {
        await sendRaw(`garbage ${JSON.stringify(garbage.slice(0, 40))}`, `${garbage}\r\n\r\n`);
      }),
      { numRuns: 300 },
    );
  }, TIMEOUT_MS);

  it(`stored nothing it did not acknowledge, after ${FULL_RUN ? 'at least 10,000' : 'the configured number of'} requests`, async () => {
    const db = t.app.get(DataSource);
    const stored: Array<{ id: string }> = await db.query('SELECT id FROM faults WHERE customer_id = $1 UNION ALL SELECT id FROM vault_item WHERE customer_id = $1', [tenant]);
    expect(stored.map((r) => r.id).filter((id) => !created.has(id))).toEqual([]);
    const kept = [...created].filter((id) => !deleted.has(id));
    const found: Array<{ id: string }> = await db.query('SELECT id FROM faults WHERE id = ANY($1) UNION ALL SELECT id FROM vault_item WHERE id = ANY($1)', [kept]);
    expect(found.length).toBe(kept.length);
    console.log(`hostile input: ${requests} requests over ${operations.length} operations, 0 × 5xx, every error in the documented shape with a request id`);
    if (FULL_RUN) expect(requests).toBeGreaterThanOrEqual(10_000);
  });
});
