/**
 * The floor: what the benchmarked reads cost with nothing around them. Bare Fastify and `pg`, no
 * logging, no framework: it verifies the same HS256 token with a key object, runs the service's own
 * SQL (imported from its repositories) on named prepared statements, and writes the same response:
 * the same JSON (test/bench-floor.e2e-spec.ts compares its answers with the service's) under the same
 * fixed headers (security headers, cache-control, a request id), since those bytes are sent either way.
 *
 *   GET /workflows/vault/:id    one item's metadata
 *   GET /workflows/vault        every item of the tenant
 *   GET /fault?limit=N          the first page of faults, with its comments and next-page cursor
 *   GET /fault/token/:code      the shared dashboard behind a short code
 *
 * Environment: PORT, DATABASE_URL, JWT_SECRET, FAULT_CURSOR_SECRET, DB_POOL_SIZE (as the service's).
 */
import Fastify, { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, createHmac, createSecretKey, KeyObject, randomUUID, timingSafeEqual } from 'node:crypto';
import { Pool } from 'pg';
import { DEFAULT_CACHE_CONTROL } from '../src/common/cache-control';
import { securityHeaders } from '../src/common/security-headers';
import { toApiTimestamp, toApiTimestampOrNull } from '../src/common/timestamps';
import { FaultCursorCodec } from '../src/fault/core/fault-cursor';
import { FAULT_COMMENTS_SQL } from '../src/fault/core/fault-comment.repository';
import { buildListPageSql, dateToMicros } from '../src/fault/core/fault-list-query';
import { DASHBOARD_LIMIT } from '../src/fault/core/fault.service';
import { ACCESS_TOKEN_BY_CODE_SQL } from '../src/fault/dashboard-access/fault-access-token.repository';
import { VAULT_METADATA_SQL } from '../src/vault/items/vault-item.repository';

interface VaultRow {
  id: string;
  name: string;
  kind: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}
interface FaultRow {
  id: string;
  customer_id: string;
  resource_id: string;
  microservice_id: string;
  type: string;
  status: string;
  severity: string;
  message: string;
  cause: string | null;
  resource_ancestry_path: string | null;
  created_at: Date;
  resolved_at: Date | null;
  ttl: string;
  dedup_key: string | null;
  occurrences: number;
  last_occurred_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  silenced: boolean;
  root_fault_id: string | null;
  symptom_count: number | null;
  flapping: boolean | null;
  flapping_since: Date | null;
  created_at_micros: string;
}
interface CommentRow {
  fault_id: string;
  user_id: string;
  comment: string;
  created_at: Date;
}
interface TokenRow {
  customer_id: string;
  expires_at: Date;
  revoked_at: Date | null;
}

const DAY_MS = 86_400_000;

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10) });
const key: KeyObject = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8'));
const cursors = new FaultCursorCodec(process.env.FAULT_CURSOR_SECRET ?? '');
const names = new Map<string, string>();

/** A named prepared statement, as the service's preparedQuery() runs it. */
async function query<T extends object>(sql: string, values: unknown[]): Promise<T[]> {
  let name = names.get(sql);
  if (name === undefined) {
    name = `q_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return (await pool.query<T>({ name, text: sql, values })).rows;
}

/** HS256 with a key object; the claims the service's user tokens need: exp, customer_id, scope. */
function tenantOf(request: FastifyRequest, scope: string): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Bearer ')) return undefined;
  const token = header.slice(7);
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 < 0 || dot2 < 0) return undefined;
  const expected = createHmac('sha256', key).update(token.slice(0, dot2)).digest();
  const given = Buffer.from(token.slice(dot2 + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString('utf8')) as { exp?: number; customer_id?: unknown; scopes?: unknown };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now() || typeof claims.customer_id !== 'string') return undefined;
  if (Array.isArray(claims.scopes) && !claims.scopes.includes(scope)) return undefined;
  return claims.customer_id;
}

const vaultItem = (r: VaultRow): object => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  version: r.version,
  created_at: toApiTimestamp(r.created_at),
  updated_at: toApiTimestamp(r.updated_at),
  expires_at: toApiTimestampOrNull(r.expires_at),
  last_used_at: toApiTimestampOrNull(r.last_used_at),
});

const fault = (r: FaultRow, comments: CommentRow[]): object => ({
  id: r.id,
  resource_id: r.resource_id,
  customer_id: r.customer_id,
  microservice_id: r.microservice_id,
  type: r.type,
  status: r.status,
  severity: r.severity,
  message: r.message,
  cause: r.cause,
  created_at: toApiTimestamp(r.created_at),
  resolved_at: toApiTimestampOrNull(r.resolved_at),
  resource_ancestry_path: r.resource_ancestry_path,
  ttl: Number(r.ttl),
  comments: comments.map((c) => ({ user_id: c.user_id, comment: c.comment, created_at: toApiTimestamp(c.created_at) })),
  dedup_key: r.dedup_key,
  occurrences: r.occurrences,
  last_occurred_at: toApiTimestamp(r.last_occurred_at ?? r.created_at),
  acknowledged_at: toApiTimestampOrNull(r.acknowledged_at),
  acknowledged_by: r.acknowledged_by,
  silenced: r.silenced,
  root_fault_id: r.root_fault_id ?? null,
  symptom_count: r.symptom_count ?? 0,
  flapping: r.flapping ?? false,
  flapping_since: toApiTimestampOrNull(r.flapping_since),
});

/** The page's faults with their comments (the second query every fault read makes). */
async function withComments(customerId: string, rows: FaultRow[]): Promise<object[]> {
  const byFault = new Map<string, CommentRow[]>(rows.map((r) => [r.id, []]));
  if (rows.length > 0) for (const c of await query<CommentRow>(FAULT_COMMENTS_SQL, [customerId, rows.map((r) => r.id), [...new Set(rows.map((r) => r.ttl))]])) byFault.get(c.fault_id)?.push(c);
  return rows.map((r) => fault(r, byFault.get(r.id) ?? []));
}

const unauthorized = (reply: FastifyReply): FastifyReply => reply.code(401).send({ statusCode: 401, message: 'Unauthorized' });

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  const fixedHeaders = { ...securityHeaders(), 'cache-control': DEFAULT_CACHE_CONTROL };
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(fixedHeaders).header('x-request-id', randomUUID());
    done();
  });
  app.get('/ready', async () => ({ ready: true }));

  app.get<{ Params: { id: string } }>('/workflows/vault/:id', async (request, reply) => {
    const customerId = tenantOf(request, 'vault:read');
    if (customerId === undefined) return unauthorized(reply);
    const [row] = await query<VaultRow>(VAULT_METADATA_SQL.byId, [customerId, request.params.id]);
    return row === undefined ? reply.code(404).send({ statusCode: 404, message: 'Vault item not found' }) : vaultItem(row);
  });

  app.get('/workflows/vault', async (request, reply) => {
    const customerId = tenantOf(request, 'vault:read');
    if (customerId === undefined) return unauthorized(reply);
    const [row] = await query<{ body: string }>(VAULT_METADATA_SQL.listJson, [customerId]);
    return reply.type('application/json; charset=utf-8').send(row.body);
  });

  app.get<{ Querystring: { limit?: string } }>('/fault', async (request, reply) => {
    const customerId = tenantOf(request, 'faults:read');
    if (customerId === undefined) return unauthorized(reply);
    const limit = Number(request.query.limit ?? 50);
    const { sql, params } = buildListPageSql({ customerId, filters: {}, take: limit + 1, nowSeconds: Math.floor(Date.now() / 1000) });
    const rows = await query<FaultRow>(sql, params);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const hasMore = rows.length > limit;
    const cursor = hasMore ? cursors.encode(customerId, FaultCursorCodec.filterHash({}), { createdAtMicros: BigInt(last.created_at_micros), id: last.id }) : null;
    return { data: await withComments(customerId, page), meta: { count: page.length, cursor, has_more: hasMore } };
  });

  app.get<{ Params: { code: string } }>('/fault/token/:code', async (request, reply) => {
    const [token] = await query<TokenRow>(ACCESS_TOKEN_BY_CODE_SQL, [createHash('sha256').update(request.params.code, 'utf8').digest('hex')]);
    if (token === undefined || token.revoked_at !== null || token.expires_at.getTime() <= Date.now()) {
      return reply.code(404).send({ statusCode: 404, message: 'Dashboard token not found or expired' });
    }
    const now = Date.now();
    const { sql, params } = buildListPageSql({
      customerId: token.customer_id,
      filters: { status: 'recent' },
      take: DASHBOARD_LIMIT,
      recentSinceMicros: dateToMicros(new Date(now - DAY_MS)),
      nowSeconds: Math.floor(now / 1000),
    });
    // As the service's route: @NoStore() and its own referrer policy.
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache', 'referrer-policy': 'no-referrer' });
    return withComments(token.customer_id, await query<FaultRow>(sql, params));
  });

  await app.listen({ port: Number(process.env.PORT ?? 3998), host: '127.0.0.1' });
}

void main();
