import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { lockTenantScope } from '../../database/tenant-lock';
import { FaultSilenceEntity } from '../entities/fault-silence.entity';

/** Storage of silences; every method takes the tenant. Matching at report time is in FaultReportRepository.upsertReport. */
@Injectable()
export class FaultSilenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the silence unless the tenant has `cap` silences that have not ended by `now` (counted
   * and inserted under the tenant's lock, so concurrent creations cannot pass the cap together).
   */
  async insertWithinCap(silence: FaultSilenceEntity, cap: number, now: Date, afterInsert?: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await lockTenantScope(m, 'fault_silences', silence.customerId);
      const [{ n }] = await m.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM fault_silences WHERE customer_id = $1 AND ends_at > $2', [silence.customerId, now]);
      if (n >= cap) return false;
      await m.insert(FaultSilenceEntity, silence);
      await afterInsert?.(m);
      return true;
    });
  }

  /** A page of the tenant's silences ending after `endingAfter` (all when undefined), by start then id, after `after`. */
  async list(customerId: string, endingAfter: Date | undefined, take: number, after?: { startsAt: Date; id: string }): Promise<FaultSilenceEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(FaultSilenceEntity, 's')
      .where('s.customer_id = :customerId', { customerId })
      .orderBy('s.starts_at', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .take(take);
    if (endingAfter !== undefined) query.andWhere('s.ends_at > :endingAfter', { endingAfter });
    if (after !== undefined) query.andWhere('(s.starts_at, s.id) > (:afterStart, :afterId)', { afterStart: after.startsAt, afterId: after.id });
    return query.getMany();
  }

  async delete(customerId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(FaultSilenceEntity, { customerId, id });
    return (result.affected ?? 0) > 0;
  }
}
