import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, serviceToken, userToken } from '../support/tokens';

/**
 * Property-based hostile input against every operation of the OpenAPI
 * document: random path ids, query strings (with duplicates), bodies (wrong
 * types, huge and empty strings, unicode edge cases, lone surrogates, deep
 * nesting, prototype-pollution keys) and headers. Never a 5xx, always the
 * error shape on 4xx, and nothing stored but what was acknowledged with a 2xx.
 */
const RUNS_PER_OPERATION = Number(process.env.HOSTILE_RUNS ?? 150);

const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '\uDFFF', 'a\uD800b', '💥'.repeat(30), '../../etc/passwd', "' OR 1=1 --", '%00', '%', '%ZZ', '${7*7}', '__proto__', 'constructor', 'flt_' + 'A'.repeat(27), 'vlt_' + '0'.repeat(26), 'x'.repeat(5000)),
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
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'name', 'secret', 'customer_id', 'severity', 'limit')), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/**
 * Percent-encodes anything, lone surrogates included (as their WTF-8 bytes,
 * i.e. invalid UTF-8 on the wire), which encodeURIComponent refuses to do.
 */
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

interface Operation {
  method: string;
  path: string;
}

describe('hostile input', () => {
  let t: TestApp;
  let operations: Operation[];
  const tenant = newTenant();
  const tokens = [userToken(tenant), serviceToken(['vault:use', 'faults:ingest'])];

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
  });
  afterAll(() => t.close());

  it('covers the whole API', () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
  });

  it('never answers 5xx, always in the error shape, and stores nothing it did not acknowledge', async () => {
    const acknowledged: string[] = [];
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          fc.array(nastyString, { minLength: 3, maxLength: 3 }),
          fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'severity', 'status', 'from', 'to', 'type', 'site', 'resource_id', 'expiring_within_days', 'x'), nastyString), { maxLength: 4 }),
          fc.option(nastyValue, { nil: undefined }),
          fc.constantFrom(...tokens),
          fc.constantFrom<Record<string, string>>({}, { 'idempotency-key': 'k-1' }, { 'x-request-id': '\u00ff\u00fe' }, { 'content-type': 'application/json; charset=utf-7' }),
          async (ids, query, body, token, headers) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => encodeAnything(ids[i++ % ids.length]));
            const qs = query.map(([k, v]) => `${k}=${encodeAnything(v)}`).join('&');
            let res;
            try {
              res = await t.request(op.method, `${path}${qs ? `?${qs}` : ''}`, {
                token,
                headers,
                ...(body !== undefined && op.method !== 'GET' && op.method !== 'DELETE' ? { rawBody: JSON.stringify(body) } : {}),
              });
            } catch (error) {
              throw new Error(`${op.method} ${op.path}: request failed: ${(error as Error).message}`, { cause: error });
            }
            if (res.status >= 500) throw new Error(`${op.method} ${op.path} → ${res.status}: ${res.text.slice(0, 300)}`);
            if (res.status >= 400) {
              expect(res.body).toMatchObject({ statusCode: res.status, error: expect.any(String), message: expect.any(String) });
            } else if (op.method !== 'GET') {
              acknowledged.push(`${op.method} ${op.path} ${res.status}`);
            }
          },
        ),
        { numRuns: RUNS_PER_OPERATION },
      );
    }
    const db = t.app.get(DataSource);
    const [{ faults }] = await db.query('SELECT count(*)::int AS faults FROM faults WHERE customer_id = $1', [tenant]);
    const [{ items }] = await db.query('SELECT count(*)::int AS items FROM vault_item WHERE customer_id = $1', [tenant]);
    const created = acknowledged.filter((a) => / 201$/.test(a));
    expect(faults + items).toBeLessThanOrEqual(created.length);
  });
});
