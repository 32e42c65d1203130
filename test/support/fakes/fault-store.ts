import { EntityManager } from 'typeorm';
import { FaultEntity, FaultSeverity, SEVERITY_RANK } from '../../../src/fault/entities/fault.entity';

/**
 * The `faults` table in memory, shared by the fake fault repositories so that what one service
 * writes (a report, a resolve, an acknowledgement) the next one reads. Rows are copied in and out:
 * a service can change only what a repository method changes.
 */
export class FakeFaultStore {
  private readonly rows = new Map<string, FaultEntity>();

  all(): FaultEntity[] {
    return [...this.rows.values()].map(copyFault);
  }

  get(id: string): FaultEntity | undefined {
    const row = this.rows.get(id);
    return row === undefined ? undefined : copyFault(row);
  }

  /** The row itself, for the fakes' updates. */
  row(id: string): FaultEntity | undefined {
    return this.rows.get(id);
  }

  put(fault: FaultEntity): FaultEntity {
    this.rows.set(fault.id, copyFault(fault));
    return copyFault(fault);
  }

  delete(id: string): boolean {
    return this.rows.delete(id);
  }
}

/** A transaction's manager: the fakes ignore it (nothing here ever rolls back). */
export const FAKE_MANAGER = {} as EntityManager;

export function copyFault(fault: FaultEntity): FaultEntity {
  return Object.assign(new FaultEntity(), fault, { reopenedAt: fault.reopenedAt === null || fault.reopenedAt === undefined ? fault.reopenedAt : [...fault.reopenedAt] });
}

/** The higher of two severities (the repositories' SQL does the same with its severity array). */
export function higherSeverity(current: FaultSeverity, reported: FaultSeverity): FaultSeverity {
  return SEVERITY_RANK[reported] > SEVERITY_RANK[current] ? reported : current;
}

let sequence = 0;

/** A report as FaultService builds it before storing: unresolved, one occurrence, 90 days of ttl. */
export function faultDraft(over: Partial<FaultEntity> = {}): FaultEntity {
  const createdAt = over.createdAt ?? new Date('2026-01-01T00:00:00Z');
  sequence += 1;
  return Object.assign(new FaultEntity(), {
    id: `flt_${String(sequence).padStart(27, '0')}`,
    customerId: 'cus_a',
    resourceId: 'router-1',
    microserviceId: 'monitor',
    type: 'LINK_DOWN',
    status: 'unresolved',
    severity: 'HIGH',
    message: 'link down',
    cause: null,
    resourceAncestryPath: null,
    createdAt,
    updatedAt: createdAt,
    resolvedAt: null,
    dedupKey: null,
    occurrences: 1,
    lastOccurredAt: createdAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    silenced: false,
    rootFaultId: null,
    flapping: false,
    flappingSince: null,
    reopenedAt: null,
    escalationStep: 0,
    escalationBaseAt: null,
    ttl: Math.floor(createdAt.getTime() / 1000) + 90 * 86_400,
    ...over,
  } satisfies Partial<FaultEntity>);
}
