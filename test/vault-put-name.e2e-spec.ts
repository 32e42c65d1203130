import { TestApp, startTestApp } from './support/test-app';
import { newTenant, userToken } from './support/tokens';

/** PUT replaces the item (as the reference defines it): a body without `name` is told so, in one message. */
describe('PUT /workflows/vault/{id} without name', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('answers 400 "name is required (PUT replaces the item)" and nothing about the name\'s form', async () => {
    const token = userToken(newTenant());
    const created = await app.request<{ id: string }>('POST', '/workflows/vault', { token, body: { name: 'router-backup', secret: 's3cr3t' } });
    expect(created.status).toBe(201);
    const res = await app.request('PUT', `/workflows/vault/${created.body.id}`, { token, body: { secret: 'n3w-s3cr3t' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'name', message: 'name is required (PUT replaces the item)' }]);
    // A name that is present is still checked as before.
    const short = await app.request('PUT', `/workflows/vault/${created.body.id}`, { token, body: { name: 'ab' } });
    expect(short.status).toBe(400);
    expect(short.body.errors).toEqual([{ field: 'name', message: 'name must be longer than or equal to 3 characters' }]);
  });
});
