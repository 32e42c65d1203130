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

  it('names operations after their handlers', async () => {
    const doc = (await t.request('GET', '/openapi.json')).body;
    expect(doc.paths['/health'].get.operationId).toBe('getLiveness');
    expect(doc.paths['/health/ready'].get.operationId).toBe('getReadiness');
  });
});
