import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FaultSilenceEntity } from '../entities/fault-silence.entity';
import { Window } from './recurrence';

/** The expanded windows of recurring silences (fault_silence_windows), and the silences to expand further. */
@Injectable()
export class SilenceWindowRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores windows (again: a window already stored is kept) and moves the silence's horizon. */
  async store(manager: EntityManager, silence: FaultSilenceEntity, windows: Window[], expandedUntil: Date): Promise<void> {
    if (windows.length > 0) {
      await manager.query(
        `INSERT INTO fault_silence_windows (customer_id, silence_id, starts_at, ends_at)
         SELECT $1, $2, s, e FROM unnest($3::timestamptz[], $4::timestamptz[]) AS t(s, e) ON CONFLICT DO NOTHING`,
        [silence.customerId, silence.id, windows.map((w) => w.startsAt), windows.map((w) => w.endsAt)],
      );
    }
    await manager.query(`UPDATE fault_silences SET expanded_until = $3 WHERE customer_id = $1 AND id = $2`, [silence.customerId, silence.id, expandedUntil]);
  }

  /** Recurring silences not ended whose windows are expanded less far than `horizon` (every tenant; a batch). */
  dueForExpansion(now: Date, horizon: Date, batch: number): Promise<FaultSilenceEntity[]> {
    return this.dataSource.manager
      .createQueryBuilder(FaultSilenceEntity, 's')
      .where('s.schedule_rrule IS NOT NULL AND s.ends_at > :now AND (s.expanded_until IS NULL OR s.expanded_until < :horizon)', { now, horizon })
      .orderBy('s.expanded_until', 'ASC', 'NULLS FIRST')
      .take(batch)
      .getMany();
  }

  /** Windows that ended more than a day ago are no longer read by anything. */
  async deleteEndedBefore(before: Date): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(`DELETE FROM fault_silence_windows WHERE ends_at < $1`, [before]);
    return count;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
