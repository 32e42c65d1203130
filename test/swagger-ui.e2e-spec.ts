import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Locator } from 'playwright-core';
import { artifactsDir, launchChromium, nonLoopbackAddress } from './support/chromium';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-database';
import { recordSecret } from './support/secret-ledger';
import { SpawnedService, spawnService } from './support/spawn-service';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

/**
 * First contact in a real browser: a fresh service (its own empty database), Swagger UI opened
 * through a non-loopback address of this machine as another machine would, authorized with tokens
 * from `npm run token`, and every operation of the OpenAPI document run through
 * "Try it out → Execute" with its pre-filled example. Driven by the document: a new operation is
 * covered as soon as it is documented, and needs a working example (and, for a path parameter, a
 * response link from the operation that creates the id) to pass.
 */

interface Operation {
  operationId: string;
  method: string;
  /** Documented success statuses (2xx, or 3xx for redirects). */
  success: number[];
  /** Documented error statuses with their example bodies. */
  errors: number[];
  pathParams: string[];
  /** Documented examples of path parameters: used when no response link gives a value (e.g. a tenant to offboard that is not the demo tenant). */
  pathExamples: Record<string, string>;
  /** Request-body example names in document order; the first is what Swagger UI pre-fills. */
  examples: string[];
  auth: { user: string[] | null; service: string[] | null } | null;
  /** `x-try-after`: operations whose run sets this one up (e.g. a restore after the delete). */
  after: string[];
  /** A live stream (text/event-stream): its body never ends, so Swagger UI can never show a response. */
  stream: boolean;
}

interface Link {
  from: string;
  operationId: string;
  parameters: Record<string, string>;
  /** `x-example`: the source operation's example whose response the link reads (default: the first). */
  example?: string;
}

interface Run {
  op: Operation;
  example?: string;
  token: 'user' | 'service' | 'none';
}

type OpenApi = { paths: Record<string, Record<string, RawOperation>> };
type RawOperation = {
  operationId: string;
  parameters?: Array<{ name: string; in: string; example?: unknown; schema?: { example?: unknown } }>;
  requestBody?: { content: Record<string, { examples?: Record<string, unknown> }> };
  responses: Record<
    string,
    { content?: Record<string, unknown>; links?: Record<string, { operationId: string; parameters?: Record<string, string>; 'x-example'?: string }> }
  >;
  'x-auth'?: { user: string[] | null; service: string[] | null };
  'x-try-after'?: string[];
};

function readDocument(doc: OpenApi): { operations: Operation[]; links: Link[] } {
  const operations: Operation[] = [];
  const links: Link[] = [];
  for (const item of Object.values(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const statuses = Object.keys(raw.responses).map(Number);
      operations.push({
        operationId: raw.operationId,
        method: method.toUpperCase(),
        success: statuses.filter((s) => s >= 200 && s < 400),
        errors: statuses.filter((s) => s >= 400),
        pathParams: (raw.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        pathExamples: Object.fromEntries(
          (raw.parameters ?? []).filter((p) => p.in === 'path' && (p.example ?? p.schema?.example) !== undefined).map((p) => [p.name, String(p.example ?? p.schema?.example)]),
        ),
        examples: Object.keys(raw.requestBody?.content['application/json']?.examples ?? {}),
        auth: raw['x-auth'] ?? null,
        after: raw['x-try-after'] ?? [],
        stream: 'text/event-stream' in (raw.responses['200']?.content ?? {}),
      });
      for (const response of Object.values(raw.responses)) {
        for (const link of Object.values(response.links ?? {})) {
          links.push({ from: raw.operationId, operationId: link.operationId, parameters: link.parameters ?? {}, example: link['x-example'] });
        }
      }
    }
  }
  return { operations, links };
}

/**
 * Creating first, reading what was created next, service calls after, deleting next, then what needs a delete first
 * (`x-try-after`). Live streams are left out: their descriptions send readers to `curl -N`, and
 * test/fault-stream.e2e-spec.ts follows them.
 */
function plan(operations: Operation[]): Run[] {
  const runs: Array<Run & { phase: number; order: number }> = [];
  operations.forEach((op, order) => {
    if (op.stream) return;
    const examples = op.examples.length > 0 ? op.examples : [undefined];
    examples.forEach((example, i) => {
      const serviceOnly = op.auth !== null && op.auth.user === null;
      const token = op.auth === null ? 'none' : serviceOnly || example?.startsWith('service') ? 'service' : 'user';
      const phase = op.after.length > 0 ? 4 : op.method === 'DELETE' ? 3 : token === 'service' ? 2 : op.pathParams.length > 0 ? 1 : 0;
      runs.push({ op, example, token, phase, order: order + i / 10 });
    });
  });
  return runs.sort((a, b) => a.phase - b.phase || a.order - b.order);
}

/** `$response.body#/a/b` of the source operation's first successful response. */
function resolveLink(expression: string, body: unknown): string | undefined {
  const match = /^\$response\.body#(\/.*)$/.exec(expression);
  if (match === null) return undefined;
  let value: unknown = body;
  for (const key of match[1].split('/').slice(1)) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  // A URL (a short link) stands for its last path segment, as the link's description says.
  return /^https?:\/\//.test(value) ? new URL(value).pathname.split('/').pop() : value;
}

describe('Swagger UI, first contact in a real browser', () => {
  let database: ScratchDatabase;
  let service: SpawnedService;
  let browser: Browser;
  let dataDir: string;
  let tokens: { user: string; service: string };
  let document: { operations: Operation[]; links: Link[] };
  const timings: Record<string, number> = {};
  const since = (start: number): number => Math.round(performance.now() - start);

  beforeAll(async () => {
    const start = performance.now();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-swagger-ui-'));
    database = await createScratchDatabase('swagger_ui');
    // The token commands run while the service and the browser start.
    const token = (...args: string[]): Promise<string> =>
      run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/token.ts', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir } }).then((r) =>
        recordSecret(r.stdout.trim()),
      );
    const userToken = token('--customer', 'cus_demo');
    [service, browser] = await Promise.all([
      spawnService({ DATABASE_URL: database.url, DATA_DIR: dataDir, HOST: '0.0.0.0', LOG_LEVEL: 'warn', VAULT_RECOVERY_DAYS: '7' }), // restoreVaultItem's example needs a recovery window
      launchChromium(),
    ]);
    document = readDocument((await (await fetch(`${service.url}/openapi.json`)).json()) as OpenApi);
    const serviceScopes = [...new Set(document.operations.flatMap((op) => op.auth?.service ?? []))];
    tokens = { user: await userToken, service: await token('--service', '--scopes', serviceScopes.join(',')) };
    timings.startMs = since(start);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.stderr.write(`Swagger UI browser test timings (ms): ${JSON.stringify(timings)}\n`);
  });

  it('runs every operation\'s example through "Try it out → Execute", opened from another machine\'s point of view', async () => {
    const start = performance.now();
    const failures: string[] = [];
    const artifacts = { dir: '' };
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(20_000); // a missing element fails the test instead of hanging it
    const pageProblems: string[] = [];
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Mixed Content|net::ERR_/i.test(message.text())) pageProblems.push(`console: ${message.text()}`);
    });
    const fail = async (what: string, where?: Locator): Promise<void> => {
      artifacts.dir ||= artifactsDir('swagger-ui');
      const file = path.join(artifacts.dir, `${String(failures.length + 1).padStart(2, '0')}-${what.split(':')[0].replace(/[^\w.-]+/g, '_')}.png`);
      await (where ?? page).screenshot({ path: file }).catch(() => undefined);
      failures.push(`${what} (screenshot: ${file})`);
    };

    // 1. Another machine opens the docs at this machine's address (CSP must not upgrade to https).
    const base = `http://${nonLoopbackAddress()}:${new URL(service.url).port}`;
    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('.opblock').count()).toBe(document.operations.length);
    timings.loadDocsMs = since(start);

    // 2. Authorize, as a newcomer would, with the token `npm run token` printed.
    let current: string | null = null;
    const authorize = async (token: string): Promise<void> => {
      if (current === token) return;
      await page.locator('.auth-wrapper .btn.authorize').click();
      const modal = page.locator('.modal-ux');
      const logout = modal.locator('button.auth', { hasText: 'Logout' });
      if ((await logout.count()) > 0) await logout.click();
      await modal.locator('input#auth-bearer-value').fill(token);
      await modal.locator('button.authorize').click();
      await modal.locator('button.btn-done').click();
      current = token;
    };

    // 3. Every operation, with each of its examples.
    const captured = new Map<string, unknown>();
    for (const { op, example, token } of plan(document.operations)) {
      const opStart = performance.now();
      const label = `${op.operationId}${example ? ` (example ${example})` : ''}`;
      if (token !== 'none') await authorize(tokens[token]);
      const block = page.locator(`.opblock[id$="-${op.operationId}"]`);
      if (!(await block.locator('.opblock-body').isVisible())) await block.locator('.opblock-summary-control').click();
      const tryOut = block.locator('.try-out__btn');
      if ((await tryOut.textContent())?.includes('Try it out')) await tryOut.click();

      let missingParam = false;
      for (const name of op.pathParams) {
        const source = (l: Link): string => (l.example === undefined ? l.from : `${l.from}#${l.example}`);
        const link = document.links.find((l) => l.operationId === op.operationId && l.parameters[name] !== undefined && captured.has(source(l)));
        const value = (link && resolveLink(link.parameters[name], captured.get(source(link)))) ?? op.pathExamples[name];
        if (value === undefined) {
          missingParam = true;
          await fail(`${label}: no value for path parameter {${name}}: document a response link to ${op.operationId} from the operation that creates it (or an example)`, block);
          continue;
        }
        await block.locator(`tr[data-param-name="${name}"] input`).fill(value);
      }
      if (missingParam) continue;
      if (example !== undefined && example !== op.examples[0]) await block.locator('.opblock-section-request-body select.examples-select-element').selectOption(example);

      const clear = block.locator('.btn-clear');
      if ((await clear.count()) > 0) await clear.click();
      await block.locator('.execute').click();
      const live = block.locator('.live-responses-table tbody tr.response').first();
      await live.waitFor({ timeout: 30_000 });
      const status = Number((await live.locator('.response-col_status').textContent())?.trim().slice(0, 3));
      const bodyText = (await live.locator('.response-col_description pre.microlight').first().textContent().catch(() => null)) ?? '';
      // A redirect is followed by the browser: a documented 302 ends as the dashboard's 200.
      const redirectOnly = op.success.every((s) => s >= 300);
      const ok = op.success.includes(status) || (redirectOnly && status === 200);
      if (!ok || (!redirectOnly && (await live.locator('.response-undocumented').count()) > 0)) {
        await fail(`${label}: answered ${status}, documented ${op.success.join('/')}: ${bodyText.slice(0, 300)}`, block);
      } else if (bodyText.trim().startsWith('{')) {
        if (example === undefined || example === op.examples[0]) captured.set(op.operationId, JSON.parse(bodyText));
        if (example !== undefined) captured.set(`${op.operationId}#${example}`, JSON.parse(bodyText));
      }

      // 4. Each documented error status shows an example of that status, in the one error shape.
      if (example === undefined || example === op.examples[0]) {
        for (const code of op.errors) {
          const text = await block.locator(`.responses-table:not(.live-responses-table) tr.response[data-code="${code}"] pre.example`).first().textContent().catch(() => null);
          let shown: Record<string, unknown> | undefined;
          try {
            shown = JSON.parse(text ?? '') as Record<string, unknown>;
          } catch {
            shown = undefined;
          }
          const keys = Object.keys(shown ?? {});
          const shaped =
            shown !== undefined &&
            (['getLiveness', 'getReadiness'].includes(op.operationId) ||
              (shown.statusCode === code &&
                typeof shown.error === 'string' &&
                typeof shown.message === 'string' &&
                (shown.errors === undefined || Array.isArray(shown.errors)) &&
                keys.every((k) => ['statusCode', 'error', 'message', 'errors', 'request_id'].includes(k))));
          if (!shaped) await fail(`${label}: the ${code} example is not a ${code} error body: ${text?.slice(0, 200)}`, block);
        }
      }
      await block.locator('.opblock-summary-control').click(); // collapse: keeps the page light
      timings[label] = since(opStart);
    }
    timings.operationsMs = since(start) - timings.loadDocsMs;
    timings.totalMs = since(start) + timings.startMs;
    await page.close();

    if (failures.length + pageProblems.length > 0) process.stderr.write(`Swagger UI browser test: screenshots in ${artifacts.dir || '(none)'}\n`);
    expect([...pageProblems, ...failures]).toEqual([]);
    expect(captured.size).toBeGreaterThan(0);
  }, 600_000);
});
