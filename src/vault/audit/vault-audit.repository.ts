import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { VaultAction, VaultEvent, VaultOutcome } from '../entities/vault-event.entity';
import { AuditActor } from './vault-audit-actor';

export interface AuditRecord {
  /** The tenant; NO_TENANT (vault-event.entity) when unknown. */
  customerId: string;
  vaultId: string | null;
  itemName: string | null;
  action: VaultAction;
  outcome: VaultOutcome;
}

/** Filters of the tenant-wide audit trail (all optional). */
export interface VaultEventFilters {
  vaultId?: string;
  action?: VaultAction;
  outcome?: VaultOutcome;
  from?: Date;
  to?: Date;
  /** Keyset position: only events with a smaller id. */
  beforeId?: string;
}

/** Writes one audit record through `m`: inside a change's transaction, the change and its record commit together. */
export async function insertAuditRecord(m: EntityManager, who: AuditActor, record: AuditRecord): Promise<void> {
  await m.insert(VaultEvent, { ...record, actor: who.actor, requestId: who.requestId, createdAt: who.at });
}

/**
 * The audit trail (`vault_event`): records written on their own (refusals, conflicts, failures to
 * open) and the reads. Changes write theirs in their own transaction (insertAuditRecord); the
 * runner's statements and the purge write theirs in the same SQL statement.
 */
@Injectable()
export class VaultAuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(who: AuditActor, record: AuditRecord): Promise<void> {
    await insertAuditRecord(this.dataSource.manager, who, record);
  }

  /** An item's trail, newest first, keyset-paginated by event id. */
  events(customerId: string, vaultId: string, limit: number, beforeId: string | undefined): Promise<VaultEvent[]> {
    const q = this.dataSource
      .getRepository(VaultEvent)
      .createQueryBuilder('e')
      .where('e.customer_id = :customerId AND e.vault_id = :vaultId', { customerId, vaultId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (beforeId !== undefined) q.andWhere('e.id < :beforeId', { beforeId });
    return q.getMany();
  }

  /** The tenant's whole trail, newest first, keyset-paginated by event id, filtered. */
  tenantEvents(customerId: string, filters: VaultEventFilters, limit: number): Promise<VaultEvent[]> {
    const q = this.dataSource
      .getRepository(VaultEvent)
      .createQueryBuilder('e')
      .where('e.customer_id = :customerId', { customerId })
      .orderBy('e.id', 'DESC')
      .limit(limit);
    if (filters.vaultId !== undefined) q.andWhere('e.vault_id = :vaultId', { vaultId: filters.vaultId });
    if (filters.action !== undefined) q.andWhere('e.action = :action', { action: filters.action });
    if (filters.outcome !== undefined) q.andWhere('e.outcome = :outcome', { outcome: filters.outcome });
    if (filters.from !== undefined) q.andWhere('e.created_at >= :from', { from: filters.from });
    if (filters.to !== undefined) q.andWhere('e.created_at < :to', { to: filters.to });
    if (filters.beforeId !== undefined) q.andWhere('e.id < :beforeId', { beforeId: filters.beforeId });
    return q.getMany();
  }
}
