import { Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { FAULT_ID_PATTERN } from '../../common/ids';
import { toApiTimestamp } from '../../common/timestamps';
import { SEVERITY_RANK, type FaultSeverity } from '../entities/fault.entity';
import { FaultReadRepository } from '../core/fault-read.repository';
import { TimelineDto, TimelineQueryDto, toTimelineEntryDto } from './dto/timeline.dto';
import { TimelineKind } from './fault-timeline.entity';
import { FaultTimelineRepository } from './fault-timeline.repository';

/** The actor of what the service does by itself (correlation, flapping, escalation). */
export const SYSTEM_ACTOR = 'system';

export interface TimelineFault {
  id: string;
  customerId: string;
  severity: FaultSeverity;
  /** Unix seconds the fault expires at: its entries are stored (partitioned) by it. */
  ttl: number;
}

/** The fault's expiry as the timeline's partition key. */
const expiryOf = (fault: { ttl: number }): Date => new Date(fault.ttl * 1000);

/**
 * A fault's timeline: who did what, when. Entries are written in the transaction of the change (so
 * the timeline never shows what was rolled back); consecutive repeats fold into one `occurred` entry.
 */
@Injectable()
export class FaultTimelineService {
  constructor(
    private readonly timeline: FaultTimelineRepository,
    private readonly faults: FaultReadRepository,
    private readonly clock: Clock,
  ) {}

  record(manager: EntityManager, fault: TimelineFault, kind: TimelineKind, actor: string, details: Record<string, unknown> = {}, at: Date = this.clock.now()): Promise<void> {
    return this.timeline.append(manager, fault.customerId, fault.id, expiryOf(fault), at, kind, actor, details);
  }

  /**
   * A repeat: `severity_raised` first when it raised the severity, then folded into the newest
   * entry when that is an `occurred` one (count + 1, last_at), else a new `occurred` entry.
   */
  async occurred(manager: EntityManager, fault: TimelineFault, actor: string, at: Date): Promise<void> {
    const latest = await this.timeline.latest(manager, fault.customerId, fault.id, expiryOf(fault));
    const before = await this.severityBefore(manager, fault, latest);
    if (before !== undefined && SEVERITY_RANK[fault.severity] > SEVERITY_RANK[before]) {
      await this.record(manager, fault, 'severity_raised', actor, { from: before, to: fault.severity, severity: fault.severity }, at);
    } else if (latest?.kind === 'occurred') {
      const count = Number(latest.details.count ?? 1) + 1;
      return this.timeline.fold(manager, fault.customerId, fault.id, expiryOf(fault), latest, { ...latest.details, count, last_at: toApiTimestamp(at) });
    }
    const stamp = toApiTimestamp(at);
    await this.record(manager, fault, 'occurred', actor, { count: 1, first_at: stamp, last_at: stamp, severity: fault.severity }, at);
  }

  /** The entries of a PATCH: other field changes, a status change, an (un)acknowledgement. */
  async recordUpdate(
    manager: EntityManager,
    actor: string,
    fault: TimelineFault & { status: string; acknowledgedAt: Date | null },
    changes: { severity?: unknown; message?: unknown; cause?: unknown },
    statusBefore: string,
    acknowledgedBefore: boolean,
  ): Promise<void> {
    const fields = (['severity', 'message', 'cause'] as const).filter((field) => changes[field] !== undefined);
    if (fields.length > 0) await this.record(manager, fault, 'updated', actor, { fields, ...(changes.severity !== undefined ? { severity: fault.severity } : {}) });
    if (statusBefore !== fault.status) await this.record(manager, fault, fault.status === 'resolved' ? 'resolved' : 'reopened', actor);
    if (!acknowledgedBefore && fault.acknowledgedAt !== null) await this.record(manager, fault, 'acknowledged', actor);
    if (acknowledgedBefore && fault.acknowledgedAt === null) await this.record(manager, fault, 'unacknowledged', actor);
  }

  async list(customerId: string, faultId: string, query: TimelineQueryDto): Promise<TimelineDto> {
    const fault = FAULT_ID_PATTERN.test(faultId) ? await this.faults.findById(customerId, faultId, this.clock.nowSeconds()) : null;
    if (fault === null) throw new NotFoundException('Fault not found');
    const limit = query.limit ?? 50;
    const after = query.cursor === undefined ? undefined : { atMicros: BigInt(query.cursor.split('.')[0]), id: query.cursor.split('.')[1] };
    const rows = await this.timeline.page(customerId, faultId, expiryOf(fault), limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { data: page.map(toTimelineEntryDto), meta: { cursor: rows.length > limit && last ? `${last.at_micros}.${last.id}` : null } };
  }

  /** A deleted fault's entries go with it, in its transaction. */
  deleteWith(manager: EntityManager, customerId: string, faultId: string): Promise<void> {
    return this.timeline.deleteOf(manager, customerId, faultId);
  }

  /** The severity the fault had before this report: the newest entry that recorded one. */
  private async severityBefore(manager: EntityManager, fault: TimelineFault, latest: { details: Record<string, unknown> } | null): Promise<FaultSeverity | undefined> {
    const recorded = latest?.details.severity;
    if (typeof recorded === 'string') return recorded as FaultSeverity;
    return ((await this.timeline.latestSeverity(manager, fault.customerId, fault.id, expiryOf(fault))) ?? undefined) as FaultSeverity | undefined;
  }
}
