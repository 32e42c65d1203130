import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../common/clock';
import { TenantPrincipal } from '../../auth/principal';
import { newSilenceId, SILENCE_ID_PATTERN } from '../../common/ids';
import { CreateFaultSilenceDto, FaultSilenceDto, ListFaultSilencesQueryDto, MAX_SILENCES_PER_TENANT, OPEN_ENDED, SilenceScheduleDto, toFaultSilenceDto } from './dto/fault-silence.dto';
import { ValidationFailedException } from '../../common/validation';
import { isTimeZone, ruleProblem } from '../maintenance/recurrence';
import { SilenceWindowsService } from '../maintenance/silence-windows.service';
import { FaultSilenceEntity } from '../entities/fault-silence.entity';
import { FaultSilenceRepository } from './fault-silence.repository';

const MAX_SILENCE_MS = 90 * 86_400_000;

/** Where a page of silences ended: its last (starts_at, id), opaque to clients. */
function encodeCursor(silence: FaultSilenceEntity): string {
  return Buffer.from(`${silence.startsAt.toISOString()}|${silence.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { startsAt: Date; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startsAt = new Date(at ?? '');
  if (rest.length > 0 || id === undefined || !SILENCE_ID_PATTERN.test(id) || Number.isNaN(startsAt.getTime()) || startsAt.toISOString() !== at) {
    throw new BadRequestException('cursor is invalid; start again from the first page');
  }
  return { startsAt, id };
}

/** The silence `dto` asks for, not yet stored: one window (startsAt to endsAt), or `schedule`'s windows until endsAt. */
function newSilence(principal: TenantPrincipal, dto: CreateFaultSilenceDto, startsAt: Date, endsAt: Date, now: Date, schedule?: SilenceScheduleDto): FaultSilenceEntity {
  const silence = new FaultSilenceEntity();
  silence.id = newSilenceId(now);
  silence.customerId = principal.customerId;
  silence.site = dto.site ?? null;
  silence.resourceId = dto.resource_id ?? null;
  silence.type = dto.type ?? null;
  silence.startsAt = startsAt;
  silence.endsAt = endsAt;
  silence.comment = dto.comment;
  silence.createdBy = principal.subject;
  silence.createdAt = now;
  silence.scheduleRrule = schedule === undefined ? null : schedule.rrule;
  silence.scheduleDurationMinutes = schedule === undefined ? null : schedule.duration_minutes;
  silence.scheduleTimezone = schedule === undefined ? null : schedule.timezone;
  silence.expandedUntil = null;
  return silence;
}

/** Maintenance windows: faults reported while one matches are stored with `silenced: true`. */
@Injectable()
export class FaultSilenceService {
  constructor(
    private readonly silences: FaultSilenceRepository,
    private readonly clock: Clock,
    private readonly windows: SilenceWindowsService,
  ) {}

  async create(principal: TenantPrincipal, dto: CreateFaultSilenceDto): Promise<FaultSilenceDto> {
    if (dto.site === undefined && dto.resource_id === undefined && dto.type === undefined) {
      throw new BadRequestException('Send at least one matcher: site, resource_id or type');
    }
    const now = this.clock.now();
    const startsAt = dto.starts_at !== undefined ? new Date(dto.starts_at) : now;
    if (dto.schedule !== undefined) return this.createRecurring(principal, dto, startsAt, now);
    const endsAt = new Date(dto.ends_at!);
    for (const [name, value] of [['starts_at', startsAt], ['ends_at', endsAt]] as const) {
      if (Number.isNaN(value.getTime())) throw new BadRequestException(`${name} is not a valid date`);
    }
    if (endsAt.getTime() <= startsAt.getTime()) throw new BadRequestException('ends_at must be after starts_at');
    if (endsAt.getTime() - startsAt.getTime() > MAX_SILENCE_MS) throw new BadRequestException('ends_at must be at most 90 days after starts_at');
    if (endsAt.getTime() <= now.getTime()) throw new BadRequestException('ends_at must be in the future');
    return this.insert(newSilence(principal, dto, startsAt, endsAt, now), now);
  }

  /** A recurring silence: the rule checked (400 naming the field), stored with its windows expanded ahead in one transaction. */
  private async createRecurring(principal: TenantPrincipal, dto: CreateFaultSilenceDto, startsAt: Date, now: Date): Promise<FaultSilenceDto> {
    const schedule = dto.schedule!;
    const fail = (field: string, message: string): never => {
      throw new ValidationFailedException([{ field, message }]);
    };
    if (dto.ends_at !== undefined) fail('ends_at', 'ends_at must not be sent with schedule (use schedule.until)');
    if (Number.isNaN(startsAt.getTime())) fail('starts_at', 'starts_at is not a valid date');
    const problem = ruleProblem(schedule.rrule);
    if (problem !== undefined) fail('schedule.rrule', `schedule.${problem}`);
    if (!isTimeZone(schedule.timezone)) fail('schedule.timezone', 'schedule.timezone must be an IANA time zone, e.g. Europe/Berlin');
    const until = schedule.until === undefined || schedule.until === null ? OPEN_ENDED : new Date(schedule.until);
    if (Number.isNaN(until.getTime()) || until <= startsAt || until <= now) fail('schedule.until', 'schedule.until must be in the future and after starts_at');
    const silence = newSilence(principal, dto, startsAt, until, now, schedule);
    if (this.windows.windowOf(silence, now) === null) fail('schedule.rrule', 'schedule.rrule has no window left after starts_at (before until)');
    return this.insert(silence, now, (m) => this.windows.expand(m, silence, now));
  }

  private async insert(silence: FaultSilenceEntity, now: Date, afterInsert?: (manager: EntityManager) => Promise<void>): Promise<FaultSilenceDto> {
    if (!(await this.silences.insertWithinCap(silence, MAX_SILENCES_PER_TENANT, now, afterInsert))) {
      throw new ConflictException(`A tenant may have at most ${MAX_SILENCES_PER_TENANT} active or future silences; delete one first`);
    }
    return toFaultSilenceDto(silence, this.windows.windowOf(silence, now), now);
  }

  /** A page of silences and the cursor of the next one (null on the last page). */
  async list(customerId: string, query: ListFaultSilencesQueryDto): Promise<{ data: FaultSilenceDto[]; next: string | null }> {
    const limit = query.limit ?? MAX_SILENCES_PER_TENANT;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.silences.list(customerId, query.include_expired === 'true' ? undefined : this.clock.now(), limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const now = this.clock.now();
    return { data: page.map((s) => toFaultSilenceDto(s, this.windows.windowOf(s, now), now)), next: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  async delete(customerId: string, id: string): Promise<void> {
    if (!SILENCE_ID_PATTERN.test(id) || !(await this.silences.delete(customerId, id))) throw new NotFoundException('Silence not found');
  }
}
