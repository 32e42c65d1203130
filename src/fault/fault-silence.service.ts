import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Principal } from '../auth/principal';
import { newSilenceId, SILENCE_ID_PATTERN } from '../common/ids';
import { CreateFaultSilenceDto, FaultSilenceDto, ListFaultSilencesQueryDto, toFaultSilenceDto } from './dto/fault-silence.dto';
import { FaultSilenceEntity } from './entities/fault-silence.entity';
import { FaultSilenceRepository } from './fault-silence.repository';

const MAX_SILENCE_MS = 90 * 86_400_000;

/** Maintenance windows: faults reported while one matches are stored with `silenced: true`. */
@Injectable()
export class FaultSilenceService {
  constructor(
    private readonly silences: FaultSilenceRepository,
    private readonly clock: Clock,
  ) {}

  async create(principal: Principal, dto: CreateFaultSilenceDto): Promise<FaultSilenceDto> {
    if (dto.site === undefined && dto.resource_id === undefined && dto.type === undefined) {
      throw new BadRequestException('Send at least one matcher: site, resource_id or type');
    }
    const now = this.clock.now();
    const startsAt = dto.starts_at !== undefined ? new Date(dto.starts_at) : now;
    const endsAt = new Date(dto.ends_at);
    for (const [name, value] of [['starts_at', startsAt], ['ends_at', endsAt]] as const) {
      if (Number.isNaN(value.getTime())) throw new BadRequestException(`${name} is not a valid date`);
    }
    if (endsAt.getTime() <= startsAt.getTime()) throw new BadRequestException('ends_at must be after starts_at');
    if (endsAt.getTime() - startsAt.getTime() > MAX_SILENCE_MS) throw new BadRequestException('ends_at must be at most 90 days after starts_at');
    if (endsAt.getTime() <= now.getTime()) throw new BadRequestException('ends_at must be in the future');
    const silence = new FaultSilenceEntity();
    silence.id = newSilenceId(now);
    silence.customerId = principal.customerId!;
    silence.site = dto.site ?? null;
    silence.resourceId = dto.resource_id ?? null;
    silence.type = dto.type ?? null;
    silence.startsAt = startsAt;
    silence.endsAt = endsAt;
    silence.comment = dto.comment;
    silence.createdBy = principal.subject;
    silence.createdAt = now;
    await this.silences.insert(silence);
    return toFaultSilenceDto(silence);
  }

  async list(customerId: string, query: ListFaultSilencesQueryDto): Promise<FaultSilenceDto[]> {
    const rows = await this.silences.list(customerId, query.include_expired === 'true' ? undefined : this.clock.now());
    return rows.map(toFaultSilenceDto);
  }

  async delete(customerId: string, id: string): Promise<void> {
    if (!SILENCE_ID_PATTERN.test(id) || !(await this.silences.delete(customerId, id))) throw new NotFoundException('Silence not found');
  }
}
