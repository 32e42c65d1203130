import { EntityManager } from 'typeorm';
import { FaultLifecycleRepository } from '../../../src/fault/core/fault-lifecycle.repository';
import { FaultEntity } from '../../../src/fault/entities/fault.entity';
import { FAKE_MANAGER, FakeFaultStore } from './fault-store';

/** FaultLifecycleRepository in memory: the transaction (runs the work), resolves and bulk actions. */
export class FakeFaultLifecycleRepository implements Pick<FaultLifecycleRepository, 'transaction' | 'resolveMatching' | 'bulkUpdate'> {
  transactions = 0;

  constructor(readonly store: FakeFaultStore) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.transactions += 1;
    return work(FAKE_MANAGER);
  }

  async resolveMatching(_manager: EntityManager, customerId: string, match: { dedupKey: string } | { resourceId: string; type: string }, now: Date): Promise<FaultEntity[]> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const matching = this.store
      .all()
      .filter((f) => f.customerId === customerId && f.status === 'unresolved' && f.ttl > nowSeconds)
      .filter((f) => ('dedupKey' in match ? f.dedupKey === match.dedupKey : f.resourceId === match.resourceId && f.type === match.type));
    for (const f of matching) Object.assign(this.store.row(f.id)!, { status: 'resolved', resolvedAt: now, updatedAt: now });
    return matching.map((f) => this.store.get(f.id)!).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  }

  async bulkUpdate(
    _manager: EntityManager,
    customerId: string,
    ids: string[],
    action: 'resolve' | 'unresolve' | 'acknowledge',
    now: Date,
    actor: string,
  ): Promise<{ found: string[]; updated: FaultEntity[] }> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const found = this.store
      .all()
      .filter((f) => f.customerId === customerId && ids.includes(f.id) && f.ttl > nowSeconds)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const updated: FaultEntity[] = [];
    for (const f of found) {
      const row = this.store.row(f.id)!;
      if (action === 'resolve' && row.status === 'unresolved') Object.assign(row, { status: 'resolved', resolvedAt: now, updatedAt: now });
      else if (action === 'acknowledge' && row.acknowledgedAt === null) Object.assign(row, { acknowledgedAt: now, acknowledgedBy: actor, updatedAt: now });
      else if (action === 'unresolve' && row.status === 'resolved' && !this.keyOpenElsewhere(row)) {
        Object.assign(row, { status: 'unresolved', resolvedAt: null, updatedAt: now, escalationStep: 0, escalationBaseAt: now });
      } else continue;
      updated.push(this.store.get(f.id)!);
    }
    return { found: found.map((f) => f.id), updated };
  }

  private keyOpenElsewhere(fault: FaultEntity): boolean {
    return fault.dedupKey !== null && this.store.all().some((o) => o.customerId === fault.customerId && o.dedupKey === fault.dedupKey && o.status === 'unresolved');
  }
}
