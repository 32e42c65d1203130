import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEntity } from './webhook.entity';

export const WEBHOOK_ENTITIES: Function[] = [WebhookEntity, WebhookDeliveryEntity];
