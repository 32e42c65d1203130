/**
 * The public surface of events/: what other features (and metrics/) may import, as `'../events'`.
 * Everything else in the folder is internal; the lint (eslint.config.mjs) refuses deeper imports.
 */
export { EventsModule } from './events.module';
export { EventsService, type NewEvent } from './events.service';
export { EVENT_FILTERS, type EventEnvelope, type EventType } from './event-types';
export { EventListener } from './event-listener';
export { EventsRepository } from './events.repository';
export { EventStream } from './event-stream';
export { EventStreamHub } from './event-stream-hub';
export { EventStreamRepository } from './event-stream.repository';
export { horizonPosition, type StreamPosition } from './stream-position';
