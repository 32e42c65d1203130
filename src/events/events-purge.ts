import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventsConfig } from '../config/events.config';
import { JobQueue } from '../jobs/job-queue';
import { PartitionMaintenance } from '../jobs/partition-maintenance';

/** The row-by-row purge this replaced: its schedule, still stored in pg-boss on older databases, is removed. */
export const EVENTS_PURGE_QUEUE = { name: 'events-purge', retryLimit: 2, expireInSeconds: 600 };

/**
 * Retention of the outbox and of webhook deliveries: both are partitioned by day of `created_at`;
 * the partition maintenance job drops a day's partition once it is wholly older than
 * EVENTS_RETENTION_HOURS (events) or WEBHOOK_DELIVERY_RETENTION_DAYS (deliveries), instead of
 * deleting row by row.
 */
@Injectable()
export class EventsPurge implements OnModuleInit {
  constructor(
    private readonly jobs: JobQueue,
    private readonly partitions: PartitionMaintenance,
    private readonly config: EventsConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.schedule(EVENTS_PURGE_QUEUE, undefined);
    this.partitions.register({ table: 'events', column: 'created_at', interval: 'day', ahead: 3, retainMs: () => this.config.retentionHours * 3_600_000 });
    this.partitions.register({
      table: 'webhook_deliveries',
      column: 'created_at',
      interval: 'day',
      ahead: 3,
      retainMs: () => this.config.deliveryRetentionDays * 86_400_000,
    });
  }
}
