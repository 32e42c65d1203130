import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WEBHOOK_ENTITIES } from './entities';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookSecretBox } from './webhook-secret-box';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** Webhooks: registration, Standard Webhooks signed delivery on the job queue, delivery history. */
@Module({
  imports: [TypeOrmModule.forFeature(WEBHOOK_ENTITIES)],
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhooksService, WebhookSecretBox, WebhookDeliveryWorker],
})
export class WebhooksModule {}
