import { Module } from '@nestjs/common';
import { EventBusRelay } from './event-bus.relay';
import { EventBusRepository } from './event-bus.repository';

/** The optional NATS JetStream bus (NATS_URL): every outbox event published at least once. */
@Module({
  providers: [EventBusRepository, EventBusRelay],
  exports: [EventBusRelay],
})
export class EventBusModule {}
