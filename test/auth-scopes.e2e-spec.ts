import { USER_SCOPES } from '../src/common/scopes';
import { TestApp, startTestApp } from './support/test-app';
import { newTenant, rawToken } from './support/tokens';

interface Operation {
  method: string;
  path: string;
  /** The scopes a user token needs (x-auth in the OpenAPI document); null: user tokens are refused. */
  user: string[] | null;
}

/** Every claim form an identity provider may use for the same grant. */
const CLAIM_FORMS: Array<[string, (scopes: string[]) => Record<string, unknown>]> = [
  ['scope (RFC 9068 string)', (s) => ({ scope: s.join(' ') })],
  ['scp (array)', (s) => ({ scp: s })],
  ['scp (string)', (s) => ({ scp: s.join(' ') })],
  ['scopes (array)', (s) => ({ scopes: s })],
  ['permissions (array)', (s) => ({ permissions: s })],
];

/**
 * The scope matrix, generated from the served OpenAPI document so a new operation is covered the
 * day it is added: every claim form × every single user scope × every authenticated operation.
 * A token is let through (anything but 401/403) exactly when it holds the operation's scopes.
 */
describe('scopes: every claim form × every operation', () => {
  let t: TestApp;
  let operations: Operation[];
  const tenant = newTenant();

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { 'x-auth'?: { user: string[] | null } }>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op['x-auth'] !== undefined)
        .map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'unknown_id'), user: op['x-auth']!.user })),
    );
  });
  afterAll(() => t.close());

  /** The status only: a streamed answer (SSE, exports) is cancelled once its head arrives. */
  const statusOf = async (op: Operation, token: string): Promise<number> => {
    const res = await fetch(`${t.baseUrl}${op.path}`, {
      method: op.method,
      headers: { authorization: `Bearer ${token}`, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
      body: op.method === 'GET' || op.method === 'DELETE' ? undefined : '{}',
    });
    await res.body?.cancel();
    return res.status;
  };

  const token = (claims: Record<string, unknown>): string => {
    const now = Math.floor(Date.now() / 1000);
    return rawToken({ alg: 'HS256', typ: 'JWT' }, { sub: 'usr_matrix', customer_id: tenant, iat: now, exp: now + 600, ...claims });
  };

  it('covers the operations of every feature', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    for (const prefix of ['/fault', '/workflows/vault', '/webhooks', '/internal/vault', '/internal/tenants']) {
      expect(operations.some((op) => op.path.startsWith(prefix))).toBe(true);
    }
  });

  it.each(CLAIM_FORMS)('%s: each single scope opens exactly the operations that need only it', async (_form, claimsOf) => {
    const wrong: string[] = [];
    let checked = 0;
    for (const scope of USER_SCOPES) {
      const tok = token(claimsOf([scope]));
      for (const op of operations) {
        const allowed = op.user !== null && op.user.every((needed) => needed === scope);
        const status = await statusOf(op, tok);
        checked++;
        if (allowed ? status === 401 || status === 403 : status !== 403) wrong.push(`${scope} ${op.method} ${op.path}: ${status}, expected ${allowed ? 'through' : 403}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(USER_SCOPES.length * operations.length);
  });

  it('a read-only grant reads faults and is refused every write, vault and webhook operation', async () => {
    // What faults:read opens: reading faults, and minting or revoking (read-only) dashboard tokens.
    const opens = (op: Operation): boolean => op.user !== null && op.user.every((s) => s === 'faults:read');
    expect(operations.filter(opens).every((op) => op.path.startsWith('/fault') && (op.method === 'GET' || op.path.startsWith('/fault/token')))).toBe(true);
    for (const [, claimsOf] of CLAIM_FORMS.slice(0, 2)) {
      const tok = token(claimsOf(['faults:read']));
      expect(await statusOf({ method: 'GET', path: '/fault', user: [] }, tok)).toBe(200);
      for (const op of operations.filter((o) => !opens(o))) {
        expect([op.method, op.path, await statusOf(op, tok)]).toEqual([op.method, op.path, 403]);
      }
    }
  });

  it('an empty grant opens nothing; no scope claim at all is an ordinary session with every user scope', async () => {
    const empty = token({ scope: '' });
    const session = token({});
    for (const op of operations) {
      expect([op.method, op.path, await statusOf(op, empty)]).toEqual([op.method, op.path, 403]);
      const status = await statusOf(op, session);
      if (op.user === null) expect(status).toBe(403);
      else expect([op.method, op.path, status === 401 || status === 403]).toEqual([op.method, op.path, false]);
    }
  });
});

describe('JWT_DEFAULT_USER_SCOPES narrows the default of a token without a scope claim', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { JWT_DEFAULT_USER_SCOPES: 'faults:read' } });
  });
  afterAll(() => t.close());

  it('reads faults, writes nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const tok = rawToken({ alg: 'HS256' }, { sub: 'usr_default', customer_id: newTenant(), iat: now, exp: now + 600 });
    expect((await t.request('GET', '/fault', { token: tok })).status).toBe(200);
    const write = await t.request('POST', '/fault', { token: tok, body: {} });
    expect(write.status).toBe(403);
    expect(write.body.message).toBe('Token lacks required scope: faults:write');
    expect((await t.request('GET', '/workflows/vault', { token: tok })).status).toBe(403);
  });
});
