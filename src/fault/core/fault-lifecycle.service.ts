import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { Clock } from '../../common/clock';
import { Principal, TenantPrincipal } from '../../auth/principal';
import { TenantAccess } from '../../auth/tenant-access';
import { FAULT_ID_PATTERN } from '../../common/ids';
import { FaultConfig } from '../../config/fault.config';
import { EventType, EventsService } from '../../events';
import { BulkFaultActionDto, ResolveFaultsDto } from '../dto/fault-input.dto';
import { BulkFaultResultDto, FaultDto, ResolveFaultsResultDto, toFaultDto } from '../dto/fault.dto';
import { FaultEntity } from '../entities/fault.entity';
import { faultEvent } from './fault-events';
import { FaultCommentRepository } from './fault-comment.repository';
import { FaultLifecycleRepository } from './fault-lifecycle.repository';
import { FaultReportRepository } from './fault-report.repository';
import { FaultCorrelationService } from '../correlation/fault-correlation.service';
import { FaultFlappingService } from '../flapping/fault-flapping.service';
import { FaultTimelineService } from '../timeline/fault-timeline.service';
import { TimelineKind } from '../timeline/fault-timeline.entity';

/**
 * What a report did. Each lifecycle change is one method here, run in one transaction (the
 * caller's EntityManager), answering what happened, so that the event of the change
 * (fault.created / fault.occurred / fault.reopened / fault.resolved …) can be written beside it.
 */
export type ReportOutcome = 'created' | 'occurred' | 'reopened';

export interface ReportResult {
  outcome: ReportOutcome;
  fault: FaultEntity;
  /** Earlier faults below it that this report adopted as symptoms (topology correlation). */
  adopted: FaultEntity[];
  /** The report gave the fault a root (it is a symptom). */
  rooted: boolean;
}

/** PostgreSQL's unique_violation on the open dedup key (fault_open_keys, raised by the trigger faults_open_keys): another fault with the key is unresolved. */
export function isOpenKeyConflict(error: unknown): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string; constraint?: string }) : undefined;
  return driverError?.code === '23505' && driverError.constraint === 'fault_open_keys_pkey';
}

/** The event each bulk action announces for every fault it changed. */
const BULK_EVENTS: Record<BulkFaultActionDto['action'], EventType> = {
  resolve: 'fault.resolved',
  unresolve: 'fault.reopened',
  acknowledge: 'fault.acknowledged',
};

/** The timeline entry of a lifecycle event. */
const TIMELINE_OF: Partial<Record<EventType, TimelineKind>> = { 'fault.resolved': 'resolved', 'fault.reopened': 'reopened', 'fault.acknowledged': 'acknowledged' };

export const OPEN_KEY_CONFLICT = 'Another unresolved fault has this dedup_key; resolve it first';

/** Reports with deduplication, resolve on recovery, reopen on flapping, bulk actions. */
@Injectable()
export class FaultLifecycleService {
  constructor(
    private readonly reports: FaultReportRepository,
    private readonly faults: FaultLifecycleRepository,
    private readonly comments: FaultCommentRepository,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
    private readonly tenantAccess: TenantAccess,
    private readonly events: EventsService,
    private readonly correlation: FaultCorrelationService,
    private readonly flapping: FaultFlappingService,
    private readonly timeline: FaultTimelineService,
  ) {}

  /**
   * The tenant of a report or resolve: users act in their own; service tokens name it in
   * `customer_id` (and may name only the tenants their `customer_ids` claim allows).
   */
  tenantOf(principal: Principal, customerId: string | undefined, action: string): string {
    if (principal.kind === 'service') {
      if (customerId === undefined) throw new BadRequestException(`customer_id is required when a service token ${action}`);
      this.tenantAccess.assertMayName(principal, customerId);
      return customerId;
    }
    if (customerId !== undefined) {
      throw new BadRequestException('customer_id may only be sent by service tokens; the tenant comes from your token');
    }
    return principal.customerId;
  }

  /**
   * Stores one report inside the caller's transaction. With a `dedup_key`: merges into the
   * tenant's unresolved fault with that key (occurred), or reopens the newest fault with the key
   * when it was resolved less than FAULT_REOPEN_WINDOW_SECONDS ago (reopened), else creates one.
   * The first statement is an upsert on the unique open-key index, so concurrent reports with one
   * key create exactly one fault; a merge costs that one statement.
   */
  async report(manager: EntityManager, draft: FaultEntity): Promise<ReportResult> {
    const { fault, inserted, candidates } = await this.reports.upsertReport(manager, draft, this.correlation.inputs(draft, draft.createdAt));
    if (!inserted) return { outcome: 'occurred', fault, adopted: [], rooted: false };
    if (draft.dedupKey !== null) {
      const since = new Date(draft.createdAt.getTime() - this.config.reopenWindowSeconds * 1000);
      const newest = await this.reports.newestWithKeyForUpdate(manager, draft.customerId, draft.dedupKey, fault.id, Math.floor(draft.createdAt.getTime() / 1000));
      if (newest !== null && newest.status === 'resolved' && newest.resolvedAt !== null && newest.resolvedAt > since) {
        const reopened = await this.reports.reopenInstead(manager, fault, newest, fault);
        const counted = await this.flapping.onReopen(manager, reopened, draft.createdAt);
        return { outcome: 'reopened', ...(await this.correlation.correlate(manager, counted, draft.createdAt)) };
      }
    }
    return { outcome: 'created', ...(await this.correlation.correlate(manager, fault, draft.createdAt, candidates)) };
  }

  /**
   * `POST /fault/resolve`: the monitor saw the problem clear. Resolves every unresolved fault of
   * the tenant with the dedup_key, or with the resource_id and type; 0 is a normal answer.
   */
  async resolveMatching(principal: Principal, dto: ResolveFaultsDto): Promise<ResolveFaultsResultDto> {
    const customerId = this.tenantOf(principal, dto.customer_id, 'resolves faults');
    const byKey = dto.dedup_key !== undefined;
    const byResource = dto.resource_id !== undefined || dto.type !== undefined;
    if (byKey === byResource || (byResource && (dto.resource_id === undefined || dto.type === undefined))) {
      throw new BadRequestException('Send either dedup_key, or resource_id and type');
    }
    const match = byKey ? { dedupKey: dto.dedup_key! } : { resourceId: dto.resource_id!, type: dto.type! };
    const data = await this.faults.transaction(async (manager) => {
      const resolved = await this.faults.resolveMatching(manager, customerId, match, this.clock.now());
      return this.announceEach(manager, resolved, 'fault.resolved', principal.subject);
    });
    return { resolved: data.length, data };
  }

  /** `POST /fault/bulk`: one action on up to 100 of the tenant's faults, in one transaction. */
  async bulk(principal: TenantPrincipal, dto: BulkFaultActionDto): Promise<BulkFaultResultDto> {
    const { customerId } = principal;
    const ids = [...new Set(dto.ids)];
    const wellFormed = ids.filter((id) => FAULT_ID_PATTERN.test(id));
    try {
      const { found, updated } = await this.faults.transaction(async (manager) => {
        const result = await this.faults.bulkUpdate(manager, customerId, wellFormed, dto.action, this.clock.now(), principal.subject);
        await this.announceEach(manager, result.updated, BULK_EVENTS[dto.action], principal.subject);
        return result;
      });
      const foundSet = new Set(found);
      return { updated: updated.length, not_found: ids.filter((id) => !foundSet.has(id)) };
    } catch (error) {
      // Two faults in one unresolve sharing a dedup_key (or a report racing it): the key is open once.
      if (isOpenKeyConflict(error)) throw new ConflictException(OPEN_KEY_CONFLICT);
      throw error;
    }
  }

  /** Records one event and one timeline entry per changed fault in the transaction that changed them; answers their DTOs. */
  private async announceEach(manager: EntityManager, faults: FaultEntity[], type: EventType, actor: string): Promise<FaultDto[]> {
    const comments = await this.comments.commentsOf(faults[0]?.customerId ?? '', faults, manager);
    const dtos = faults.map((f) => toFaultDto(f, comments.get(f.id) ?? []));
    for (const fault of dtos) await this.events.record(manager, faultEvent(type, fault));
    const kind = TIMELINE_OF[type];
    for (const fault of faults) if (kind !== undefined) await this.timeline.record(manager, fault, kind, actor, kind === 'reopened' ? { severity: fault.severity } : {});
    return dtos;
  }
}
