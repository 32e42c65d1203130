import fs from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument, stableStringify } from '../src/openapi';
import { TestApp, startTestApp } from './support/test-app';

const COMMITTED = path.join(__dirname, '..', 'openapi.json');

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('matches the committed openapi.json (run `npm run openapi:write` after changing the API)', () => {
    const generated = stableStringify(buildOpenApiDocument(t.app));
    if (process.env.OPENAPI_WRITE === '1') fs.writeFileSync(COMMITTED, generated);
    expect(generated).toBe(fs.readFileSync(COMMITTED, 'utf8'));
  });

  it('is served at /openapi.json and Swagger UI at /docs, without a token', async () => {
    const doc = await t.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.0.3');
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await t.request('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('names operations after their handlers, as the reference does where it names them', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body;
    expect(doc.paths['/health'].get.operationId).toBe('getLiveness');
    expect(doc.paths['/health/ready'].get.operationId).toBe('getReadiness');
    expect(doc.paths['/fault/{faultId}'].get.operationId).toBe('getFaultById');
    expect(doc.paths['/fault/token'].post.operationId).toBe('generateAccessToken');
    expect(doc.paths['/fault/token/{id}'].get.operationId).toBe('getFaultDashboardByToken');
  });

  describe('examples a newcomer can run as they are', () => {
    type Operation = { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, Media> }; responses: Record<string, Response> };
    type Parameter = { name: string; in: string; required?: boolean; example?: unknown; schema?: { example?: unknown; default?: unknown } };
    type Media = { example?: unknown; examples?: Record<string, { value: unknown }>; schema?: unknown };
    type Response = { content?: Record<string, Media> };
    let operations: Operation[];
    beforeAll(async () => {
      const doc = (await t.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
      operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    });

    it('pre-fill no query filter (a filter example would hide data on a first "Execute")', () => {
      const prefilled = operations.flatMap((op) =>
        // A required parameter (analytics' window) is not a filter: without an example "Execute" could only fail.
        (op.parameters ?? []).filter((p) => p.in === 'query' && p.name !== 'limit' && p.required !== true && (p.example ?? p.schema?.example ?? p.schema?.default) !== undefined).map((p) => `${op.operationId} ${p.name}`),
      );
      expect(prefilled).toEqual([]);
    });

    it('hold no date in the past in any request example', () => {
      const past: string[] = [];
      const visit = (where: string, value: unknown): void => {
        if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && Date.parse(value) < Date.now() + 365 * 86_400_000) past.push(`${where}: ${value}`);
        else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(`${where}.${k}`, v);
      };
      for (const op of operations) {
        const media = op.requestBody?.content['application/json'];
        visit(op.operationId, media?.example);
        for (const [name, example] of Object.entries(media?.examples ?? {})) visit(`${op.operationId}.${name}`, example.value);
      }
      expect(past).toEqual([]);
    });

    it('document 400, 413 and 415 on every operation with a JSON body', () => {
      const missing = operations.filter((op) => op.requestBody).flatMap((op) => ['400', '413', '415'].filter((s) => !(s in op.responses)).map((s) => `${op.operationId} ${s}`));
      expect(missing).toEqual([]);
    });

    it('show for each error status an example of that status, in the one error shape', () => {
      const wrong: string[] = [];
      for (const op of operations) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400 || ['getLiveness', 'getReadiness'].includes(op.operationId)) continue;
          const example = response.content?.['application/json']?.example as { statusCode?: number; error?: string; message?: string } | undefined;
          if (example?.statusCode !== Number(status) || typeof example.error !== 'string' || typeof example.message !== 'string' || example.message.length === 0) {
            wrong.push(`${op.operationId} ${status}: ${JSON.stringify(example)}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  });
});
