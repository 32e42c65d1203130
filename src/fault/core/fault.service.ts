import { BadRequestException, ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { Principal, TenantPrincipal } from '../../auth/principal';
import { FAULT_ID_PATTERN, newFaultId } from '../../common/ids';
import { FaultConfig } from '../../config/fault.config';
import { EventType, EventsService } from '../../events';
import { newCommentId } from './comment-id';
import { AddFaultCommentDto, CreateFaultDto, ListFaultsQueryDto, UpdateFaultDto } from '../dto/fault-input.dto';
import { FaultDto, FaultListDto, toFaultDto } from '../dto/fault.dto';
import { FaultCommentEntity } from '../entities/fault-comment.entity';
import { FaultIdempotencyKeyEntity } from '../entities/fault-idempotency-key.entity';
import { FaultEntity, type FaultStatus } from '../entities/fault.entity';
import { FaultCursorCodec } from './fault-cursor';
import { faultEvent } from './fault-events';
import { FaultIdempotencyRepository, IDEMPOTENCY_TTL_MS } from './fault-idempotency.repository';
import { FaultLifecycleService, isOpenKeyConflict, OPEN_KEY_CONFLICT, ReportOutcome } from './fault-lifecycle.service';
import { FaultCommentRepository } from './fault-comment.repository';
import { FaultLifecycleRepository } from './fault-lifecycle.repository';
import { dateToMicros } from './fault-list-query';
import { FaultReadRepository } from './fault-read.repository';
import { listFilters } from './fault-list-filters';
import { FaultAnnouncer } from './fault-announcer';
import { FaultTimelineService, SYSTEM_ACTOR } from '../timeline/fault-timeline.service';

const DAY_MS = 86_400_000;
const DEFAULT_PAGE_SIZE = 50;
/** The most faults a shared dashboard shows (the benchmark's floor serves the same). */
export const DASHBOARD_LIMIT = 100;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

export interface CreateFaultResult {
  /** 201 for a new fault; 200 when the report merged into (or reopened) a fault with its dedup_key. */
  status: number;
  body: FaultDto;
  outcome: ReportOutcome;
  /** True when this is the stored first response to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * The event a PATCH announces: a status change is a resolution or a reopening; else a new
 * acknowledgement is an acknowledgement; anything else an update.
 */
export function updateEventType(before: FaultStatus, after: FaultStatus, acknowledgedNow: boolean): EventType {
  if (before !== after) return after === 'resolved' ? 'fault.resolved' : 'fault.reopened';
  return acknowledgedNow ? 'fault.acknowledged' : 'fault.updated';
}

/** The event of a report, by what it did. */
const REPORT_EVENTS: Record<ReportOutcome, EventType> = { created: 'fault.created', occurred: 'fault.occurred', reopened: 'fault.reopened' };

/** The rules of the Faults API; every method is scoped to the caller's tenant. */
@Injectable()
export class FaultService {
  private readonly cursors: FaultCursorCodec;

  constructor(
    private readonly faults: FaultReadRepository,
    private readonly comments: FaultCommentRepository,
    private readonly updates: FaultLifecycleRepository,
    private readonly idempotency: FaultIdempotencyRepository,
    private readonly lifecycle: FaultLifecycleService,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
    private readonly events: EventsService,
    private readonly timeline: FaultTimelineService,
    private readonly announcer: FaultAnnouncer,
  ) {
    this.cursors = new FaultCursorCodec(config.cursorSecret);
  }

  async list(customerId: string, query: ListFaultsQueryDto): Promise<FaultListDto> {
    const now = this.clock.now();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const filters = listFilters(query);
    const filterHash = FaultCursorCodec.filterHash({
      from: filters.from?.toISOString(),
      to: filters.to?.toISOString(),
      severity: filters.severity,
      status: filters.status,
      type: filters.type,
      resource_id: filters.resourceId,
      site: filters.site,
      q: query.q,
      dedup_key: query.dedup_key,
      acknowledged: query.acknowledged,
      silenced: query.silenced,
      ...(query.root !== undefined ? { root: query.root } : {}),
      ...(query.root_fault_id !== undefined ? { root_fault_id: query.root_fault_id } : {}),
      ...(query.flapping !== undefined ? { flapping: query.flapping } : {}),
    });
    const position = query.cursor !== undefined ? this.cursors.decode(customerId, filterHash, query.cursor) : undefined;
    // status=recent: the 24-hour cut-off is fixed by the first page, so later pages see the same set.
    const recentSinceMicros =
      filters.status === 'recent' ? (position?.sinceMicros ?? dateToMicros(new Date(now.getTime() - DAY_MS))) : undefined;
    const rows = await this.faults.listPage({
      customerId,
      filters,
      take: limit + 1,
      after: position,
      recentSinceMicros,
      nowSeconds: Math.floor(now.getTime() / 1000),
    });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    const last = page[page.length - 1];
    const cursor =
      hasMore && last
        ? this.cursors.encode(customerId, filterHash, { createdAtMicros: last.createdAtMicros, id: last.fault.id, sinceMicros: recentSinceMicros })
        : null;
    const comments = await this.comments.commentsOf(
      customerId,
      page.map((row) => row.fault),
    );
    return {
      data: page.map((row) => toFaultDto(row.fault, comments.get(row.fault.id) ?? [])),
      meta: { count: page.length, cursor, has_more: hasMore },
    };
  }

  async get(customerId: string, faultId: string): Promise<FaultDto> {
    const fault = await this.find(customerId, faultId);
    return this.withComments(fault);
  }

  /**
   * Users report in their own tenant; service tokens name the tenant in `customer_id`. With an
   * Idempotency-Key, a retry replays the first response (status, body and outcome header) instead
   * of reporting again, so a retried repeat never counts as another occurrence.
   */
  async create(principal: Principal, dto: CreateFaultDto, idempotencyKey: string | undefined): Promise<CreateFaultResult> {
    const customerId = this.lifecycle.tenantOf(principal, dto.customer_id, 'creates a fault');
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const now = this.clock.now();
    const draft = new FaultEntity();
    draft.id = newFaultId(now);
    draft.customerId = customerId;
    draft.resourceId = dto.resource_id;
    draft.microserviceId = dto.microservice_id;
    draft.type = dto.type;
    draft.severity = dto.severity;
    draft.message = dto.message;
    draft.cause = dto.cause ?? null;
    draft.resourceAncestryPath = dto.resource_ancestry_path ?? null;
    draft.dedupKey = dto.dedup_key ?? null;
    draft.createdAt = now;
    draft.ttl = Math.floor(now.getTime() / 1000) + this.config.retentionDays * 86_400;

    const report = async (manager: EntityManager): Promise<CreateFaultResult> => {
      const { outcome, fault, adopted, rooted } = await this.lifecycle.report(manager, draft);
      const body = outcome === 'created' ? toFaultDto(fault, []) : await this.withComments(fault, manager);
      await this.events.record(manager, faultEvent(REPORT_EVENTS[outcome], body));
      if (outcome === 'occurred') await this.timeline.occurred(manager, fault, principal.subject, now);
      else await this.timeline.record(manager, fault, outcome, principal.subject, { severity: fault.severity }, now);
      if (rooted) await this.timeline.record(manager, fault, 'correlated', SYSTEM_ACTOR, { root_fault_id: fault.rootFaultId }, now);
      await this.announcer.announce(manager, adopted, {
        type: 'fault.correlated',
        kind: 'correlated',
        actor: SYSTEM_ACTOR,
        details: () => ({ root_fault_id: fault.id }),
        eventData: () => ({ root_fault_id: fault.id }),
      });
      return { status: outcome === 'created' ? 201 : 200, body, outcome, replayed: false };
    };
    if (idempotencyKey === undefined) return this.updates.transaction(report);
    const requestHash = createHash('sha256')
      .update(
        JSON.stringify([
          principal.kind,
          customerId,
          dto.resource_id,
          dto.microservice_id,
          dto.type,
          dto.severity,
          dto.message,
          dto.cause ?? null,
          dto.resource_ancestry_path ?? null,
          ...(dto.dedup_key !== undefined ? [dto.dedup_key] : []),
        ]),
      )
      .digest('hex');
    return this.updates.transaction(async (manager) => {
      const claim = { customerId, key: idempotencyKey, requestHash, now, expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS) };
      const stored = await this.idempotency.claim(manager, claim);
      if (stored !== null) return this.replay(stored, requestHash);
      const result = await report(manager);
      await this.idempotency.storeResponse(manager, claim, result.status, result.body, result.outcome === 'created' ? null : result.outcome);
      return result;
    });
  }

  /** PATCH: severity, message, cause, status and acknowledgement (by the token subject), in one transaction. */
  async update(principal: TenantPrincipal, faultId: string, dto: UpdateFaultDto): Promise<FaultDto> {
    const { customerId } = principal;
    if (dto.severity === undefined && dto.message === undefined && dto.cause === undefined && dto.status === undefined && dto.acknowledged === undefined) {
      throw new BadRequestException('Nothing to update: send at least one of severity, message, cause, status, acknowledged');
    }
    this.assertFaultId(faultId);
    return this.updates.transaction(async (manager) => {
      const now = this.clock.now();
      const fault = await this.updates.findByIdForUpdate(manager, customerId, faultId, Math.floor(now.getTime() / 1000));
      if (fault === null) throw new NotFoundException('Fault not found');
      const statusBefore = fault.status;
      const acknowledgedBefore = fault.acknowledgedAt !== null;
      if (dto.severity !== undefined) fault.severity = dto.severity;
      if (dto.message !== undefined) fault.message = dto.message;
      if (dto.cause !== undefined) fault.cause = dto.cause;
      if (dto.status === 'resolved' && fault.status !== 'resolved') fault.resolvedAt = now;
      if (dto.status === 'unresolved' && fault.status === 'resolved') {
        // A reopen starts escalation again from step 1.
        fault.escalationStep = 0;
        fault.escalationBaseAt = now;
      }
      if (dto.status === 'unresolved') fault.resolvedAt = null;
      if (dto.status !== undefined) fault.status = dto.status;
      if (dto.acknowledged === true && fault.acknowledgedAt === null) {
        fault.acknowledgedAt = now;
        fault.acknowledgedBy = principal.subject;
      }
      if (dto.acknowledged === false) {
        fault.acknowledgedAt = null;
        fault.acknowledgedBy = null;
      }
      fault.updatedAt = now;
      try {
        await this.updates.update(manager, fault);
      } catch (error) {
        // Unresolving a fault whose dedup_key is open in a newer fault: one open fault per key.
        if (isOpenKeyConflict(error)) throw new ConflictException(OPEN_KEY_CONFLICT);
        throw error;
      }
      const body = await this.withComments(fault, manager);
      await this.events.record(manager, faultEvent(updateEventType(statusBefore, fault.status, !acknowledgedBefore && fault.acknowledgedAt !== null), body));
      await this.timeline.recordUpdate(manager, principal.subject, fault, dto, statusBefore, acknowledgedBefore);
      return body;
    });
  }

  async delete(customerId: string, faultId: string): Promise<void> {
    this.assertFaultId(faultId);
    await this.updates.transaction(async (manager) => {
      if (!(await this.updates.delete(customerId, faultId, this.clock.nowSeconds(), manager))) throw new NotFoundException('Fault not found');
      await this.timeline.deleteWith(manager, customerId, faultId);
      await this.events.record(manager, { type: 'fault.deleted', customerId, subject: faultId, data: { fault: { id: faultId } } });
    });
  }

  async addComment(principal: TenantPrincipal, faultId: string, dto: AddFaultCommentDto): Promise<FaultDto> {
    const { customerId } = principal;
    this.assertFaultId(faultId);
    return this.updates.transaction(async (manager) => {
      const now = this.clock.now();
      const fault = await this.updates.findByIdForUpdate(manager, customerId, faultId, Math.floor(now.getTime() / 1000));
      if (fault === null) throw new NotFoundException('Fault not found');
      // The fault's row is locked: concurrent comments count one after another, so the cap holds.
      if ((await this.comments.countComments(manager, customerId, fault)) >= this.config.maxComments) {
        throw new ConflictException(`A fault carries at most ${this.config.maxComments} comments`);
      }
      const comment = new FaultCommentEntity();
      comment.id = newCommentId(now);
      comment.faultId = fault.id;
      comment.customerId = customerId;
      // The fault's expiry: the comment lives in the partition of its fault's month and goes with it.
      comment.faultTtl = fault.ttl;
      comment.userId = principal.subject;
      comment.comment = dto.comment;
      comment.createdAt = now;
      await this.comments.insertComment(manager, comment);
      const body = await this.withComments(fault, manager);
      await this.events.record(manager, faultEvent('fault.commented', body));
      await this.timeline.record(manager, fault, 'commented', principal.subject, { comment: dto.comment.slice(0, 200) }, now);
      return body;
    });
  }

  /** A shared dashboard: unresolved or created in the last 24 hours, newest first, at most 100. */
  async dashboard(customerId: string): Promise<FaultDto[]> {
    const now = this.clock.now();
    const faults = await this.faults.dashboardFaults(customerId, new Date(now.getTime() - DAY_MS), Math.floor(now.getTime() / 1000), DASHBOARD_LIMIT);
    const comments = await this.comments.commentsOf(customerId, faults);
    return faults.map((f) => toFaultDto(f, comments.get(f.id) ?? []));
  }

  private replay(stored: FaultIdempotencyKeyEntity, requestHash: string): CreateFaultResult {
    if (stored.responseStatus === null) {
      throw new UnprocessableEntityException('Idempotency-Key is in use by a request that did not complete; retry shortly');
    }
    if (stored.requestHash !== requestHash) {
      throw new UnprocessableEntityException('Idempotency-Key was already used with a different request body');
    }
    const outcome = (stored.responseOutcome ?? 'created') as ReportOutcome;
    return { status: stored.responseStatus, body: stored.responseBody as FaultDto, outcome, replayed: true };
  }

  private assertFaultId(faultId: string): void {
    if (!FAULT_ID_PATTERN.test(faultId)) throw new NotFoundException('Fault not found');
  }

  private async find(customerId: string, faultId: string): Promise<FaultEntity> {
    this.assertFaultId(faultId);
    const fault = await this.faults.findById(customerId, faultId, this.clock.nowSeconds());
    if (fault === null) throw new NotFoundException('Fault not found');
    return fault;
  }

  private async withComments(fault: FaultEntity, manager?: EntityManager): Promise<FaultDto> {
    const comments = await this.comments.commentsOf(fault.customerId, [fault], manager);
    return toFaultDto(fault, comments.get(fault.id) ?? []);
  }
}
