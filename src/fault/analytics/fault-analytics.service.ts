import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { toApiTimestamp } from '../../common/timestamps';
import { ValidationFailedException } from '../../common/validation';
import { listFilters } from '../core/fault-list-filters';
import { DurationStatsDto, FaultAnalyticsDto, FaultAnalyticsQueryDto } from './dto/analytics.dto';
import { FaultAnalyticsRepository } from './fault-analytics.repository';

export const MAX_WINDOW_DAYS = 92;
const GROUPS = 100;

const round = (n: number): number => Math.round(n * 1000) / 1000;
function durations(mean: number | null, p50: number | null, p90: number | null): DurationStatsDto | null {
  return mean === null || p50 === null || p90 === null ? null : { mean: round(mean), p50: round(p50), p90: round(p90) };
}

/** MTTA/MTTR analytics over a window of at most 92 days, grouped, with the list filters. */
@Injectable()
export class FaultAnalyticsService {
  constructor(
    private readonly repository: FaultAnalyticsRepository,
    private readonly clock: Clock,
  ) {}

  async analytics(customerId: string, query: FaultAnalyticsQueryDto): Promise<FaultAnalyticsDto> {
    const from = new Date(query.from);
    const to = new Date(query.to);
    if (to.getTime() <= from.getTime()) throw new ValidationFailedException([{ field: 'to', message: 'to must be after from' }]);
    if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
      throw new ValidationFailedException([{ field: 'to', message: `to must be at most ${MAX_WINDOW_DAYS} days after from` }]);
    }
    const groupBy = query.group_by ?? 'none';
    const filters = listFilters({ ...query, from: undefined, to: undefined });
    const rows = await this.repository.groups(customerId, from, to, this.clock.nowSeconds(), groupBy, filters, GROUPS);
    return {
      from: toApiTimestamp(from),
      to: toApiTimestamp(to),
      group_by: groupBy,
      groups: rows.map((r) => ({
        key: r.key,
        faults: r.faults,
        resolved: r.resolved,
        acknowledged: r.acknowledged,
        reopened: r.reopened,
        flapping: r.flapping,
        mtta_seconds: durations(r.mtta_mean, r.mtta_p50, r.mtta_p90),
        mttr_seconds: durations(r.mttr_mean, r.mttr_p50, r.mttr_p90),
      })),
    };
  }
}
