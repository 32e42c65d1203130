import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FaultSilenceEntity } from './entities/fault-silence.entity';

/** Storage of silences; every method takes the tenant. Matching at report time is in FaultRepository.upsertReport. */
@Injectable()
export class FaultSilenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(silence: FaultSilenceEntity): Promise<void> {
    await this.dataSource.manager.insert(FaultSilenceEntity, silence);
  }

  /** The tenant's silences ending after `endingAfter` (all when undefined), by start then id. */
  async list(customerId: string, endingAfter: Date | undefined): Promise<FaultSilenceEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(FaultSilenceEntity, 's')
      .where('s.customer_id = :customerId', { customerId })
      .orderBy('s.starts_at', 'ASC')
      .addOrderBy('s.id', 'ASC');
    if (endingAfter !== undefined) query.andWhere('s.ends_at > :endingAfter', { endingAfter });
    return query.getMany();
  }

  async delete(customerId: string, id: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(FaultSilenceEntity, { customerId, id });
    return (result.affected ?? 0) > 0;
  }
}
