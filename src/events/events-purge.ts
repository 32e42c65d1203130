import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { EventsConfig } from '../config/events.config';
import { JobQueue } from '../jobs/job-queue';
import { EventsRepository } from './events.repository';

export const EVENTS_PURGE_QUEUE = { name: 'events-purge', retryLimit: 2, expireInSeconds: 600 };
const BATCH = 1000;

/** Deletes events older than EVENTS_RETENTION_HOURS, hourly, on the job queue's schedule. */
@Injectable()
export class EventsPurge implements OnModuleInit {
  private readonly logger = new Logger('EventsPurge');

  constructor(
    private readonly jobs: JobQueue,
    private readonly repo: EventsRepository,
    private readonly config: EventsConfig,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ queue: EVENTS_PURGE_QUEUE, handle: () => this.purge().then(() => undefined) });
    this.jobs.schedule(EVENTS_PURGE_QUEUE, '17 * * * *');
  }

  async purge(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.retentionHours * 3_600_000);
    const deleted = await this.repo.purgeBefore(before, BATCH);
    if (deleted > 0) this.logger.log(`purged ${deleted} events older than ${this.config.retentionHours} h`);
    return deleted;
  }
}
