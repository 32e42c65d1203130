import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EVENT_ENTITIES } from './entities';
import { DatabaseConfig } from '../config/database.config';
import { EventsConfig } from '../config/events.config';
import { StreamsConfig } from '../config/streams.config';
import { EventListener } from './event-listener';
import { EventNotifier } from './event-notifier';
import { EventStreamHub } from './event-stream-hub';
import { EventStreamRepository } from './event-stream.repository';
import { EventsPurge } from './events-purge';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** The transactional outbox and the instance's LISTEN connection on it. */
@Global()
@Module({})
export class EventsModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: EventsModule,
      imports: [TypeOrmModule.forFeature(EVENT_ENTITIES)],
      providers: [
        { provide: EventsConfig, useFactory: () => EventsConfig.fromEnv(process.env) },
        { provide: StreamsConfig, useFactory: () => StreamsConfig.fromEnv(process.env) },
        // LISTEN needs a session of its own: through a transaction-mode pooler it would not hear a thing.
        { provide: EventListener, inject: [DatabaseConfig], useFactory: (db: DatabaseConfig) => new EventListener(db.listenUrl ?? databaseUrl) },
        EventsRepository,
        EventsService,
        EventNotifier,
        EventsPurge,
        EventStreamHub,
        EventStreamRepository,
      ],
      exports: [EventsConfig, StreamsConfig, EventsService, EventsRepository, EventListener, EventStreamHub, EventStreamRepository],
    };
  }
}
