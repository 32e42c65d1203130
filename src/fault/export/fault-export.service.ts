import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { boundedReadable } from '../../common/bounded-readable';
import { Clock } from '../../common/clock';
import { ListFaultsQueryDto } from '../dto/fault-input.dto';
import { toFaultDto } from '../dto/fault.dto';
import { listFilters } from '../core/fault-list-filters';
import { FaultCommentRepository } from '../core/fault-comment.repository';
import { FaultListFilters, KeysetPosition, dateToMicros } from '../core/fault-list-query';
import { FaultReadRepository } from '../core/fault-read.repository';
import { toCsv } from './fault-csv';
import { FaultCommentEntity } from '../entities/fault-comment.entity';

export const CSV = 'text/csv';
export const NDJSON = 'application/x-ndjson';
export type ExportFormat = typeof CSV | typeof NDJSON;

/** Faults read per statement of an export. */
const EXPORT_PAGE = 500;
const DAY_MS = 86_400_000;

/** The export format an Accept header asks for, if any (JSON pages otherwise). */
export function exportFormat(accept: string | undefined): ExportFormat | undefined {
  const value = accept?.toLowerCase() ?? '';
  if (value.includes(NDJSON)) return NDJSON;
  if (value.includes(CSV)) return CSV;
  return undefined;
}

/**
 * `GET /fault` as a file: every fault matching the filters, newest first, read page by page in
 * keyset order (each page one index range read) only as fast as the client takes the response
 * (boundedReadable: at most its buffer and one page held per export), so memory stays flat however
 * many faults there are and a client that stops reading holds no more.
 */
@Injectable()
export class FaultExportService {
  constructor(
    private readonly faults: FaultReadRepository,
    private readonly comments: FaultCommentRepository,
    private readonly clock: Clock,
  ) {}

  /** Validated now (a bad filter is still a clean 400), read as the client reads. */
  export(customerId: string, query: ListFaultsQueryDto, format: ExportFormat): Readable {
    const filters = listFilters(query);
    return boundedReadable(this.lines(customerId, filters, format));
  }

  private async *lines(customerId: string, filters: FaultListFilters, format: ExportFormat): AsyncGenerator<string> {
    const now = this.clock.now();
    const recentSinceMicros = filters.status === 'recent' ? dateToMicros(new Date(now.getTime() - DAY_MS)) : undefined;
    let after: KeysetPosition | undefined;
    let first = true;
    for (;;) {
      const rows = await this.faults.listPage({ customerId, filters, take: EXPORT_PAGE, after, recentSinceMicros, nowSeconds: Math.floor(now.getTime() / 1000) });
      const comments = format === NDJSON ? await this.comments.commentsOf(customerId, rows.map((r) => r.fault)) : new Map<string, FaultCommentEntity[]>();
      const dtos = rows.map((row) => toFaultDto(row.fault, comments.get(row.fault.id) ?? []));
      if (format === CSV) yield toCsv(dtos, first);
      else if (dtos.length > 0) yield dtos.map((dto) => `${JSON.stringify(dto)}\n`).join('');
      first = false;
      const last = rows[rows.length - 1];
      if (rows.length < EXPORT_PAGE || last === undefined) return;
      after = { createdAtMicros: last.createdAtMicros, id: last.fault.id };
    }
  }
}
