import { EntityManager } from 'typeorm';
import { FaultReportRepository } from '../../../src/fault/core/fault-report.repository';
import { FaultEntity } from '../../../src/fault/entities/fault.entity';
import { FakeFaultStore, higherSeverity } from './fault-store';

/**
 * FaultReportRepository in memory: the merge into the tenant's open fault with the dedup key
 * (occurrences + 1, severity raised to the higher), the reopen candidate, and the reopen in place
 * of the row just inserted. `silences` decides `silenced` for a new report (default: none match).
 */
export class FakeFaultReportRepository implements Pick<FaultReportRepository, 'upsertReport' | 'newestWithKeyForUpdate' | 'reopenInstead' | 'silenced'> {
  silences: (fault: FaultEntity) => boolean = () => false;

  constructor(readonly store: FakeFaultStore) {}

  async upsertReport(_manager: EntityManager, draft: FaultEntity): Promise<{ fault: FaultEntity; inserted: boolean }> {
    const open = draft.dedupKey === null ? undefined : this.store.all().find((f) => f.customerId === draft.customerId && f.dedupKey === draft.dedupKey && f.status === 'unresolved');
    if (open !== undefined) {
      const row = this.store.row(open.id)!;
      row.occurrences += 1;
      row.lastOccurredAt = new Date(Math.max((row.lastOccurredAt ?? row.createdAt).getTime(), draft.createdAt.getTime()));
      row.severity = higherSeverity(row.severity, draft.severity);
      row.updatedAt = draft.createdAt;
      return { fault: this.store.get(open.id)!, inserted: false };
    }
    const fault = this.store.put(
      Object.assign(new FaultEntity(), draft, { status: 'unresolved', occurrences: 1, lastOccurredAt: draft.createdAt, resolvedAt: null, silenced: this.silences(draft) }),
    );
    return { fault, inserted: true };
  }

  async newestWithKeyForUpdate(_manager: EntityManager, customerId: string, dedupKey: string, exceptId: string, nowSeconds: number): Promise<FaultEntity | null> {
    const candidates = this.store
      .all()
      .filter((f) => f.customerId === customerId && f.dedupKey === dedupKey && f.id !== exceptId && f.ttl > nowSeconds)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    return candidates[0] ?? null;
  }

  async reopenInstead(_manager: EntityManager, inserted: FaultEntity, reopened: FaultEntity, report: FaultEntity): Promise<FaultEntity> {
    const reopenedId = reopened.id;
    this.store.delete(inserted.id);
    const row = this.store.row(reopenedId)!;
    Object.assign(row, {
      status: 'unresolved',
      resolvedAt: null,
      occurrences: row.occurrences + 1,
      lastOccurredAt: new Date(Math.max((row.lastOccurredAt ?? row.createdAt).getTime(), report.createdAt.getTime())),
      updatedAt: report.createdAt,
      severity: higherSeverity(row.severity, report.severity),
      acknowledgedAt: null,
      acknowledgedBy: null,
      silenced: report.silenced,
      escalationStep: 0,
      escalationBaseAt: report.createdAt,
    } satisfies Partial<FaultEntity>);
    return this.store.get(reopenedId)!;
  }

  async silenced(_manager: EntityManager, fault: FaultEntity): Promise<boolean> {
    return this.silences(fault);
  }
}
