import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { pathSegments } from '../ancestry-path';
import { CandidateInputs, CandidateRow, CorrelationCandidates, toCandidates } from '../correlation/fault-correlation.repository';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS, FaultRow } from './fault-columns';
import { FaultRowMapper } from './fault-row.mapper';

/** Severity order of a repeat: LOW < WARNING < MEDIUM < HIGH < CRITICAL. */
const SEVERITY_ORDER = `ARRAY['LOW','WARNING','MEDIUM','HIGH','CRITICAL']::varchar[]`;

/** SQL: the higher of two severities. */
function higherSeverity(current: string, reported: string): string {
  return `CASE WHEN array_position(${SEVERITY_ORDER}, ${reported}::varchar) > array_position(${SEVERITY_ORDER}, ${current}::varchar) THEN ${reported}::varchar ELSE ${current} END`;
}

/**
 * SQL: does an active silence of the tenant match the fault? Reads only the tenant's silences
 * that have not ended (fault_silences_customer_ends_idx); every given matcher must equal.
 */
function silenceMatch(customer: string, now: string, resourceId: string, type: string, segments: string): string {
  const matchers = `(s.site IS NULL OR s.site = ANY(${segments}::varchar[]))
    AND (s.resource_id IS NULL OR s.resource_id = ${resourceId}::varchar) AND (s.type IS NULL OR s.type = ${type}::varchar)`;
  // Recurring silences match through their expanded windows (fault_silence_windows_customer_ends_idx), also one index range;
  // each window's silence is one probe of its key (customer_id, id).
  return `(EXISTS (SELECT 1 FROM fault_silences s WHERE s.customer_id = ${customer}::varchar AND s.ends_at > ${now}::timestamptz
    AND s.starts_at <= ${now}::timestamptz AND s.schedule_rrule IS NULL AND ${matchers})
    OR EXISTS (SELECT 1 FROM fault_silence_windows w JOIN fault_silences s ON s.customer_id = w.customer_id AND s.id = w.silence_id
      WHERE w.customer_id = ${customer}::varchar AND w.ends_at > ${now}::timestamptz AND w.starts_at <= ${now}::timestamptz AND ${matchers}))`;
}

/** The writes of a report: deduplication on the open dedup key, silencing, and the reopen of a recently resolved fault. */
@Injectable()
export class FaultReportRepository {
  constructor(private readonly mapper: FaultRowMapper) {}

  /**
   * Stores a report: one INSERT … ON CONFLICT on faults_open_dedup_key_idx (with an inserted
   * fault's path segments, in the same statement). Without a dedup_key, or when no unresolved
   * fault of the tenant has it, the row is inserted; otherwise the open fault absorbs the report
   * (occurrences + 1, last_occurred_at, severity raised to the higher). Concurrent reports with
   * one key serialize on that unique index, so exactly one row is created. `silenced` is decided
   * here too, from the tenant's active silences (an index range on fault_silences_customer_ends_idx).
   * With `correlation`, an inserted fault's correlation candidates are read by the same statement
   * (fault_correlation_candidates: a volatile function, so it takes the tenant's correlation lock and
   * then reads on fresh snapshots, as its own round trip would): correlating costs no round trip.
   */
  async upsertReport(
    manager: EntityManager,
    fault: FaultEntity,
    correlation?: CandidateInputs,
  ): Promise<{ fault: FaultEntity; inserted: boolean; candidates?: CorrelationCandidates }> {
    const segments = pathSegments(fault.resourceAncestryPath);
    // One statement: the report, and the path segments (for ?site=) of a fault it inserted. The
    // segments' foreign key is checked at the end of the statement, when the fault row exists; if the
    // report then reopens an older fault instead, deleting this row deletes its segments (cascade).
    const rows = await preparedQueryIn<FaultRow & { inserted: boolean; candidates: CandidateRow[] | null }>(
      manager,
      `WITH reported AS (
         INSERT INTO faults AS f (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause, resource_ancestry_path,
                                  created_at, updated_at, resolved_at, ttl, dedup_key, occurrences, last_occurred_at, silenced)
         VALUES ($1, $2::varchar, $3::varchar, $4, $5::varchar, 'unresolved', $6, $7, $8, $9, $10::timestamptz, $10, NULL, $11, $12, 1, $10, ${silenceMatch('$2', '$10', '$3', '$5', '$13')})
         ON CONFLICT (customer_id, dedup_key) WHERE status = 'unresolved' AND dedup_key IS NOT NULL DO UPDATE SET
           occurrences = f.occurrences + 1,
           last_occurred_at = greatest(coalesce(f.last_occurred_at, f.created_at), EXCLUDED.last_occurred_at),
           severity = ${higherSeverity('f.severity', 'EXCLUDED.severity')},
           updated_at = EXCLUDED.updated_at
         RETURNING ${FAULT_COLUMNS}, (f.xmax = 0) AS inserted
       ), segments AS (
         INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at)
         SELECT r.id, segment, r.customer_id, r.created_at FROM reported r, unnest($13::varchar[]) AS segment WHERE r.inserted
       )
       SELECT r.*, CASE WHEN r.inserted AND $14 THEN (SELECT coalesce(json_agg(c), '[]') FROM fault_correlation_candidates(r.customer_id, $15::varchar[], r.resource_id, $16::timestamptz, r.id, $17::bigint) c) END AS candidates
       FROM reported r`,
      [
        fault.id,
        fault.customerId,
        fault.resourceId,
        fault.microserviceId,
        fault.type,
        fault.severity,
        fault.message,
        fault.cause,
        fault.resourceAncestryPath,
        fault.createdAt,
        fault.ttl,
        fault.dedupKey,
        segments,
        correlation !== undefined,
        correlation?.ancestors ?? [],
        correlation?.since ?? fault.createdAt,
        correlation?.nowSeconds ?? 0,
      ],
    );
    const [row] = rows;
    return { fault: this.mapper.toFault(row), inserted: row.inserted, ...(row.candidates !== null ? { candidates: toCandidates(row.candidates) } : {}) };
  }

  /** The tenant's newest fault with this key other than `exceptId`, locked: the reopen candidate. */
  async newestWithKeyForUpdate(manager: EntityManager, customerId: string, dedupKey: string, exceptId: string, nowSeconds: number): Promise<FaultEntity | null> {
    const rows: FaultRow[] = await manager.query(
      `SELECT ${FAULT_COLUMNS} FROM faults f
       WHERE f.customer_id = $1 AND f.dedup_key = $2 AND f.id <> $3 AND f.ttl > $4
       ORDER BY f.created_at DESC, f.id DESC LIMIT 1 FOR UPDATE`,
      [customerId, dedupKey, exceptId, nowSeconds],
    );
    return rows[0] ? this.mapper.toFault(rows[0]) : null;
  }

  /**
   * Reopens the (locked, resolved) fault `reopenedId` for a report, in place of the fault
   * `insertedId` this transaction just inserted for it. That row is deleted first: it holds the
   * open-key slot, so no concurrent report slips in between, and the reopened row takes the slot
   * over (concurrent reports waiting on it then merge into the reopened fault).
   */
  async reopenInstead(manager: EntityManager, insertedId: string, reopenedId: string, report: FaultEntity): Promise<FaultEntity> {
    await manager.query(`DELETE FROM faults WHERE id = $1 AND customer_id = $2`, [insertedId, report.customerId]);
    const [rows]: [FaultRow[], number] = await manager.query(
      `UPDATE faults AS f SET status = 'unresolved', resolved_at = NULL, occurrences = f.occurrences + 1,
              last_occurred_at = greatest(coalesce(f.last_occurred_at, f.created_at), $3), updated_at = $3,
              severity = ${higherSeverity('f.severity', '$4')}, acknowledged_at = NULL, acknowledged_by = NULL, silenced = $5,
              escalation_step = 0, escalation_base_at = $3
       WHERE f.id = $1 AND f.customer_id = $2
       RETURNING ${FAULT_COLUMNS}`,
      [reopenedId, report.customerId, report.createdAt, report.severity, report.silenced],
    );
    return this.mapper.toFault(rows[0]);
  }

  /** Whether an active silence of the tenant matches this fault (read with the report). */
  async silenced(manager: EntityManager, fault: FaultEntity): Promise<boolean> {
    const rows: Array<{ silenced: boolean }> = await manager.query(`SELECT ${silenceMatch('$1', '$2', '$3', '$4', '$5')} AS silenced`, [
      fault.customerId,
      fault.createdAt,
      fault.resourceId,
      fault.type,
      pathSegments(fault.resourceAncestryPath),
    ]);
    return rows[0].silenced;
  }
}
