/** Every event type the service sends (see docs/events.md). */
export const EVENT_TYPES = [
  'fault.created',
  'fault.occurred',
  'fault.updated',
  'fault.acknowledged',
  'fault.resolved',
  'fault.reopened',
  'fault.commented',
  'fault.deleted',
  'fault.correlated',
  'fault.flapping',
  'fault.stable',
  'fault.escalated',
  'vault.item.created',
  'vault.item.updated',
  'vault.item.deleted',
  'vault.item.expiring',
  'vault.item.expired',
  'webhook.test',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What a webhook may subscribe to: every type, a family, or one type. */
export const EVENT_FILTERS: readonly string[] = ['*', 'fault.*', 'vault.*', ...EVENT_TYPES];

/** The family filter an event type matches (`fault.*` for `fault.created`). */
export function familyOf(type: string): string {
  return `${type.split('.')[0]}.*`;
}

/** The envelope, as webhooks, streams and the bus send it. */
export interface EventEnvelope {
  id: string;
  type: EventType;
  created_at: string;
  customer_id: string;
  data: Record<string, unknown>;
}
