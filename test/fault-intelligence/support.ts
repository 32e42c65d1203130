import { DataSource } from 'typeorm';
import { TestApp, TestResponse } from '../support/test-app';

export const MINUTE = 60_000;

export const faultReport = (resource: string, path: string | null, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  resource_id: resource,
  microservice_id: 'netmon',
  type: resource.split('_')[0],
  severity: 'HIGH',
  message: `${resource} is down`,
  ...(path !== null ? { resource_ancestry_path: path } : {}),
  ...overrides,
});

export async function report(t: TestApp, token: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const res: TestResponse = await t.request('POST', '/fault', { token, body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`report → ${res.status} ${res.text}`);
  return res.body;
}

/** The tenant's stored events of a type, oldest first (what streams and webhooks are fed from). */
export async function eventsOf(db: DataSource, customerId: string, type: string): Promise<Array<{ id: string; data: any }>> {
  return db.query(`SELECT id, data FROM events WHERE customer_id = $1 AND type = $2 ORDER BY seq`, [customerId, type]);
}

/** Deliveries queued per webhook for the tenant: `whk_… → [event types]`. */
export async function deliveriesOf(db: DataSource, customerId: string): Promise<Map<string, string[]>> {
  const rows: Array<{ webhook_id: string; event_type: string }> = await db.query(
    `SELECT webhook_id, event_type FROM webhook_deliveries WHERE customer_id = $1 ORDER BY id`,
    [customerId],
  );
  const byWebhook = new Map<string, string[]>();
  for (const row of rows) byWebhook.set(row.webhook_id, [...(byWebhook.get(row.webhook_id) ?? []), row.event_type]);
  return byWebhook;
}
