import { BadRequestException } from '@nestjs/common';
import { ListFaultsQueryDto } from '../dto/fault-input.dto';
import { FaultListFilters } from './fault-list-query';

const flag = (value: 'true' | 'false' | undefined): boolean | undefined => (value === undefined ? undefined : value === 'true');

/** The filters of `GET /fault` (a page, an export, analytics), checked: a bad date or range is a 400. */
export function listFilters(query: Omit<ListFaultsQueryDto, 'limit' | 'cursor'>): FaultListFilters {
  const filters: FaultListFilters = {
    from: query.from !== undefined ? new Date(query.from) : undefined,
    to: query.to !== undefined ? new Date(query.to) : undefined,
    severity: query.severity,
    status: query.status,
    type: query.type,
    resourceId: query.resource_id,
    site: query.site,
    q: query.q,
    dedupKey: query.dedup_key,
    acknowledged: flag(query.acknowledged),
    silenced: flag(query.silenced),
    root: flag(query.root),
    rootFaultId: query.root_fault_id,
    flapping: flag(query.flapping),
  };
  for (const [name, value] of [['from', filters.from], ['to', filters.to]] as const) {
    if (value !== undefined && Number.isNaN(value.getTime())) throw new BadRequestException(`${name} is not a valid date`);
  }
  if (filters.from && filters.to && filters.from.getTime() >= filters.to.getTime()) {
    throw new BadRequestException('from must be before to');
  }
  return filters;
}
