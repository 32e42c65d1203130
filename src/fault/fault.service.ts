import { BadRequestException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../auth/clock';
import { Principal } from '../auth/principal';
import { FAULT_ID_PATTERN, newFaultId } from '../common/ids';
import { toApiTimestamp, toApiTimestampOrNull } from '../common/timestamps';
import { FaultConfig } from '../config/fault.config';
import { newCommentId } from './comment-id';
import { humanizeDuration } from './duration';
import { AddFaultCommentDto, CreateFaultDto, ListFaultsQueryDto, UpdateFaultDto } from './dto/fault-input.dto';
import { FaultDto, FaultListDto, toFaultDto } from './dto/fault.dto';
import { TopFaultDto } from './dto/top-fault.dto';
import { FaultCommentEntity } from './entities/fault-comment.entity';
import { FaultIdempotencyKeyEntity } from './entities/fault-idempotency-key.entity';
import { FaultEntity } from './entities/fault.entity';
import { FaultCursorCodec } from './fault-cursor';
import { FaultListFilters, FaultRepository, dateToMicros, pathSegments } from './fault.repository';
import { extractTunnelName } from './tunnel-name';

const DAY_MS = 86_400_000;
const DEFAULT_PAGE_SIZE = 50;
const TOP_RESOURCES = 10;
const TOP_WINDOW_DAYS = 14;
const TOP_SAMPLES = 5;
const DASHBOARD_LIMIT = 100;
const IDEMPOTENCY_TTL_MS = DAY_MS;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

export interface CreateFaultResult {
  status: number;
  body: FaultDto;
  /** True when this is the stored first response to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** First `site_` segment of an ancestry path. */
export function siteOf(path: string | null): string | null {
  return pathSegments(path).find((segment) => segment.startsWith('site_')) ?? null;
}

/** The rules of the Faults API; every method is scoped to the caller's tenant. */
@Injectable()
export class FaultService {
  private readonly cursors: FaultCursorCodec;

  constructor(
    private readonly faults: FaultRepository,
    private readonly clock: Clock,
    private readonly config: FaultConfig,
  ) {
    this.cursors = new FaultCursorCodec(config.cursorSecret);
  }

  async list(customerId: string, query: ListFaultsQueryDto): Promise<FaultListDto> {
    const now = this.clock.now();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const filters: FaultListFilters = {
      from: query.from !== undefined ? new Date(query.from) : undefined,
      to: query.to !== undefined ? new Date(query.to) : undefined,
      severity: query.severity,
      status: query.status,
      type: query.type,
      resourceId: query.resource_id,
      site: query.site,
    };
    for (const [name, value] of [['from', filters.from], ['to', filters.to]] as const) {
      if (value !== undefined && Number.isNaN(value.getTime())) throw new BadRequestException(`${name} is not a valid date`);
    }
    if (filters.from && filters.to && filters.from.getTime() >= filters.to.getTime()) {
      throw new BadRequestException('from must be before to');
    }
    const filterHash = FaultCursorCodec.filterHash({
      from: filters.from?.toISOString(),
      to: filters.to?.toISOString(),
      severity: filters.severity,
      status: filters.status,
      type: filters.type,
      resource_id: filters.resourceId,
      site: filters.site,
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
    const comments = await this.faults.commentsOf(
      customerId,
      page.map((row) => row.fault.id),
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

  /** Users create in their own tenant; service tokens name the tenant in `customer_id`. */
  async create(principal: Principal, dto: CreateFaultDto, idempotencyKey: string | undefined): Promise<CreateFaultResult> {
    const customerId = this.tenantForCreate(principal, dto);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const now = this.clock.now();
    const fault = new FaultEntity();
    fault.id = newFaultId(now);
    fault.customerId = customerId;
    fault.resourceId = dto.resource_id;
    fault.microserviceId = dto.microservice_id;
    fault.type = dto.type;
    fault.severity = dto.severity;
    fault.message = dto.message;
    fault.cause = dto.cause ?? null;
    fault.resourceAncestryPath = dto.resource_ancestry_path ?? null;
    fault.status = 'unresolved';
    fault.createdAt = now;
    fault.updatedAt = now;
    fault.resolvedAt = null;
    fault.ttl = Math.floor(now.getTime() / 1000) + this.config.retentionDays * 86_400;
    const body = toFaultDto(fault, []);

    if (idempotencyKey === undefined) {
      await this.faults.transaction((manager) => this.faults.insert(manager, fault));
      return { status: 201, body, replayed: false };
    }
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
        ]),
      )
      .digest('hex');
    return this.faults.transaction(async (manager) => {
      // Claim the key (or take over an expired claim). A concurrent request with the same
      // key blocks here until the first commits, then finds its stored response.
      const claimed: unknown[] = await manager.query(
        `INSERT INTO fault_idempotency_keys (customer_id, key, request_hash, response_status, response_body, created_at, expires_at)
         VALUES ($1, $2, $3, NULL, NULL, $4, $5)
         ON CONFLICT (customer_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL,
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE fault_idempotency_keys.expires_at <= EXCLUDED.created_at
         RETURNING key`,
        [customerId, idempotencyKey, requestHash, now, new Date(now.getTime() + IDEMPOTENCY_TTL_MS)],
      );
      if (claimed.length === 0) return this.replay(manager, customerId, idempotencyKey, requestHash);
      await this.faults.insert(manager, fault);
      await manager.update(FaultIdempotencyKeyEntity, { customerId, key: idempotencyKey }, { responseStatus: 201, responseBody: body });
      return { status: 201, body, replayed: false };
    });
  }

  async update(customerId: string, faultId: string, dto: UpdateFaultDto): Promise<FaultDto> {
    if (dto.severity === undefined && dto.message === undefined && dto.cause === undefined && dto.status === undefined) {
      throw new BadRequestException('Nothing to update: send at least one of severity, message, cause, status');
    }
    this.assertFaultId(faultId);
    return this.faults.transaction(async (manager) => {
      const now = this.clock.now();
      const fault = await this.faults.findByIdForUpdate(manager, customerId, faultId, Math.floor(now.getTime() / 1000));
      if (fault === null) throw new NotFoundException('Fault not found');
      if (dto.severity !== undefined) fault.severity = dto.severity;
      if (dto.message !== undefined) fault.message = dto.message;
      if (dto.cause !== undefined) fault.cause = dto.cause;
      if (dto.status === 'resolved' && fault.status !== 'resolved') fault.resolvedAt = now;
      if (dto.status === 'unresolved') fault.resolvedAt = null;
      if (dto.status !== undefined) fault.status = dto.status;
      fault.updatedAt = now;
      await this.faults.update(manager, fault);
      return this.withComments(fault, manager);
    });
  }

  async delete(customerId: string, faultId: string): Promise<void> {
    this.assertFaultId(faultId);
    if (!(await this.faults.delete(customerId, faultId, this.clock.nowSeconds()))) throw new NotFoundException('Fault not found');
  }

  async addComment(principal: Principal, faultId: string, dto: AddFaultCommentDto): Promise<FaultDto> {
    const customerId = principal.customerId!;
    this.assertFaultId(faultId);
    return this.faults.transaction(async (manager) => {
      const now = this.clock.now();
      const fault = await this.faults.findByIdForUpdate(manager, customerId, faultId, Math.floor(now.getTime() / 1000));
      if (fault === null) throw new NotFoundException('Fault not found');
      const comment = new FaultCommentEntity();
      comment.id = newCommentId(now);
      comment.faultId = fault.id;
      comment.customerId = customerId;
      comment.userId = principal.subject;
      comment.comment = dto.comment;
      comment.createdAt = now;
      await this.faults.insertComment(manager, comment);
      return this.withComments(fault, manager);
    });
  }

  async topFaults(customerId: string): Promise<TopFaultDto[]> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - TOP_WINDOW_DAYS * DAY_MS);
    const rows = await this.faults.topResources(customerId, since, Math.floor(now.getTime() / 1000), TOP_RESOURCES, TOP_SAMPLES);
    return rows.map((row) => ({
      tunnel_name: row.faults.map((f) => extractTunnelName(f.message)).find((name) => name !== null) ?? null,
      site_id: row.faults.map((f) => siteOf(f.resourceAncestryPath)).find((site) => site !== null) ?? null,
      count: row.count,
      resource_id: row.resourceId,
      faults: row.faults.map((f) => ({
        id: f.id,
        message: f.message,
        resolved_at: toApiTimestampOrNull(f.resolvedAt),
        created_at: toApiTimestamp(f.createdAt),
        duration: humanizeDuration((f.resolvedAt ?? now).getTime() - f.createdAt.getTime()),
        severity: f.severity,
        type: f.type,
        cause: f.cause,
        site_id: siteOf(f.resourceAncestryPath),
        resource_identifier: f.resourceId,
      })),
    }));
  }

  /** A shared dashboard: unresolved or created in the last 24 hours, newest first, at most 100. */
  async dashboard(customerId: string): Promise<FaultDto[]> {
    const now = this.clock.now();
    const faults = await this.faults.dashboardFaults(customerId, new Date(now.getTime() - DAY_MS), Math.floor(now.getTime() / 1000), DASHBOARD_LIMIT);
    const comments = await this.faults.commentsOf(
      customerId,
      faults.map((f) => f.id),
    );
    return faults.map((f) => toFaultDto(f, comments.get(f.id) ?? []));
  }

  private tenantForCreate(principal: Principal, dto: CreateFaultDto): string {
    if (principal.kind === 'service') {
      if (dto.customer_id === undefined) throw new BadRequestException('customer_id is required when a service token creates a fault');
      return dto.customer_id;
    }
    if (dto.customer_id !== undefined) {
      throw new BadRequestException('customer_id may only be sent by service tokens; the tenant comes from your token');
    }
    return principal.customerId!;
  }

  private async replay(manager: EntityManager, customerId: string, key: string, requestHash: string): Promise<CreateFaultResult> {
    const stored = await manager.findOneBy(FaultIdempotencyKeyEntity, { customerId, key });
    if (stored === null || stored.responseStatus === null) {
      throw new UnprocessableEntityException('Idempotency-Key is in use by a request that did not complete; retry shortly');
    }
    if (stored.requestHash !== requestHash) {
      throw new UnprocessableEntityException('Idempotency-Key was already used with a different request body');
    }
    return { status: stored.responseStatus, body: stored.responseBody as FaultDto, replayed: true };
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
    const comments = await this.faults.commentsOf(fault.customerId, [fault.id], manager);
    return toFaultDto(fault, comments.get(fault.id) ?? []);
  }
}
