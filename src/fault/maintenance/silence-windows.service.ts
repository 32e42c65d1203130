import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue, QueueDefinition } from '../../jobs/job-queue';
import { FaultSilenceEntity } from '../entities/fault-silence.entity';
import { Recurrence, Window, currentOrNext, windowsBetween } from './recurrence';
import { SilenceWindowRepository } from './silence-window.repository';

export const SILENCE_WINDOWS_QUEUE: QueueDefinition = { name: 'fault-silence-windows', policy: 'short', retryLimit: 2, expireInSeconds: 900 };
/** Daily at 03:41 UTC: each recurring silence's windows reach FAULT_SILENCE_HORIZON_DAYS ahead again. */
const SCHEDULE = '41 3 * * *';
const BATCH = 200;
const DAY_MS = 86_400_000;

export function recurrenceOf(silence: FaultSilenceEntity): Recurrence | null {
  if (silence.scheduleRrule === null) return null;
  return { rrule: silence.scheduleRrule, durationMinutes: silence.scheduleDurationMinutes!, timezone: silence.scheduleTimezone!, start: silence.startsAt, until: silence.endsAt };
}

/**
 * Recurring silences as windows a report can match with one index range: expanded when a silence is
 * created and kept FAULT_SILENCE_HORIZON_DAYS ahead by a daily job (idempotent: a window stored
 * twice is kept once, so instances running it at once do no harm).
 */
@Injectable()
export class SilenceWindowsService implements OnModuleInit {
  constructor(
    private readonly windows: SilenceWindowRepository,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {}

  onModuleInit(): void {
    this.jobs.register({ queue: SILENCE_WINDOWS_QUEUE, handle: () => this.expandAll().then(() => undefined) });
    this.jobs.schedule(SILENCE_WINDOWS_QUEUE, SCHEDULE);
  }

  /** Expands a silence's windows from `from` to the horizon, inside the caller's transaction. */
  async expand(manager: EntityManager, silence: FaultSilenceEntity, now: Date = this.clock.now()): Promise<void> {
    const recurrence = recurrenceOf(silence);
    if (recurrence === null) return;
    const horizon = new Date(now.getTime() + this.config.silenceHorizonDays * DAY_MS);
    const from = silence.expandedUntil ?? now;
    await this.windows.store(manager, silence, windowsBetween(recurrence, from < now ? now : from, horizon, 5000), horizon);
  }

  /** The window of a silence in force at `now`, else its next one (null: none left). */
  windowOf(silence: FaultSilenceEntity, now: Date): Window | null {
    const recurrence = recurrenceOf(silence);
    if (recurrence !== null) return currentOrNext(recurrence, now);
    return silence.endsAt > now ? { startsAt: silence.startsAt, endsAt: silence.endsAt } : null;
  }

  /** The daily run: every recurring silence expanded to the horizon; windows ended a day ago deleted. */
  async expandAll(): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + (this.config.silenceHorizonDays - 1) * DAY_MS);
    let expanded = 0;
    for (;;) {
      const due = await this.windows.dueForExpansion(now, horizon, BATCH);
      for (const silence of due) await this.windows.transaction((m) => this.expand(m, silence, now));
      expanded += due.length;
      if (due.length < BATCH) break;
    }
    await this.windows.deleteEndedBefore(new Date(now.getTime() - DAY_MS));
    return expanded;
  }
}
