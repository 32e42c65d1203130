import type { ExamplesObject, LinksObject } from '@nestjs/swagger';
import type { ErrorExample } from '../../common/api-error-responses';

/**
 * OpenAPI examples of the webhook operations, written to work as they are in Swagger UI's
 * "Try it out" against a fresh service (development allows private targets, so a receiver on
 * the developer's own machine is accepted; production refuses it, see WEBHOOK_ALLOW_PRIVATE_TARGETS).
 */
export const CREATE_WEBHOOK_EXAMPLES: ExamplesObject = {
  local_receiver: {
    summary: 'Fault events to a receiver on your machine (a public https URL in production)',
    value: { url: 'http://localhost:8080/hooks/netops', events: ['fault.*'], description: 'Chat notifier' },
  },
  expiry_reminders: {
    summary: 'Vault expiry reminders only',
    value: { url: 'http://localhost:8080/hooks/vault', events: ['vault.item.expiring', 'vault.item.expired'], description: 'Credential rotation reminders' },
  },
};

export const UPDATE_WEBHOOK_EXAMPLES: ExamplesObject = {
  more_events: {
    summary: 'Also send vault events (disabled: true would pause deliveries; false resumes them)',
    value: { events: ['fault.*', 'vault.*'], description: 'Chat notifier (faults and vault)', disabled: false },
  },
};

/** Where a created webhook's id goes next (shown by Swagger UI; followed by the browser test). */
export const WEBHOOK_LINKS: LinksObject = Object.fromEntries(
  (
    [
      ['getWebhook', 'read it back (never its secret)'],
      ['updateWebhook', 'change its events, url or description, or pause it'],
      ['testWebhook', 'send it a webhook.test event'],
      ['listWebhookDeliveries', 'follow its deliveries'],
      ['deleteWebhook', 'delete it'],
    ] as const
  ).map(([operationId, what]) => [
    operationId,
    { operationId, parameters: { webhookId: '$response.body#/id' }, description: `The new webhook's id as \`webhookId\` of ${operationId} (${what})` },
  ]),
);

export const WEBHOOK_NOT_FOUND: ErrorExample = { description: "No such webhook in the token's tenant", message: 'Webhook not found' };
export const TOO_MANY_WEBHOOKS: ErrorExample = { description: 'The tenant has 25 webhooks already', message: 'A tenant may have at most 25 webhooks; delete one first' };
export const WEBHOOK_DISABLED: ErrorExample = {
  description: 'The webhook is disabled (by PATCH, or by the service after 3 days of failures)',
  message: 'The webhook is disabled; enable it (PATCH disabled: false) first',
};
