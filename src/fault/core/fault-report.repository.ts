import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQueryIn } from '../../database/prepared-query';
import { pathSegments } from '../ancestry-path';
import { CandidateInputs, CandidateRow, CorrelationCandidates, toCandidates } from '../correlation/fault-correlation.repository';
import { FaultEntity } from '../entities/fault.entity';
import { FAULT_COLUMNS, FAULT_STORED_COLUMNS, FaultRow } from './fault-columns';
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

/** Statements of one report at most: each rerun follows another transaction's commit on the key. */
const MAX_REPORT_ATTEMPTS = 10;

/** What a repeat changes on the open fault it merges into (`EXCLUDED`: the report). */
const MERGE_SET = `occurrences = f.occurrences + 1,
           last_occurred_at = greatest(coalesce(f.last_occurred_at, f.created_at), "EXCLUDED".last_occurred_at),
           severity = ${higherSeverity('f.severity', '"EXCLUDED".severity')},
           updated_at = "EXCLUDED".updated_at`;

/** The writes of a report: deduplication on the open dedup key, silencing, and the reopen of a recently resolved fault. */
@Injectable()
export class FaultReportRepository {
  constructor(private readonly mapper: FaultRowMapper) {}

  /**
   * Stores a report, in one statement in the common cases (a new key, a repeat of a key whose fault
   * is open; with a dedup_key, after a SAVEPOINT). With a dedup_key, the statement claims the key in fault_open_keys (INSERT … ON
   * CONFLICT DO NOTHING): a claimed key means no unresolved fault of the tenant has it, and the fault
   * is inserted (the trigger faults_open_keys finds its own claim). A key already held is read, and
   * the holder absorbs the report (occurrences + 1, last_occurred_at, severity raised to the higher),
   * found by its full key (customer_id, id, ttl), so in one partition, and only while it is still
   * unresolved. Concurrent first reports of one key serialize on the key's unique entry, so exactly
   * one fault is created. The merge locks the holder's row only, never the key's, so it cannot
   * deadlock with a resolve (which locks the fault, then the trigger deletes the key).
   * The statement answers no row when it could not merge: the holder was committed after the
   * statement's snapshot (a concurrent first report: the claim waited for it), it was resolved or
   * deleted meanwhile, or it has expired (hidden from every read; dropped with its month): the last
   * gives its key up to this report, as the purge deleting it did before, and the statement is run
   * again, rolled back to the savepoint (so a fault row locked by the failed merge is let go: held
   * while waiting on the key, it deadlocked with a report reopening that fault), on a fresh snapshot (a few times at most: each rerun follows another transaction's commit).
   * Without a dedup_key the row is inserted. `silenced` is decided here too, from the tenant's
   * active silences (an index range on fault_silences_customer_ends_idx). With `correlation`, an
   * inserted fault's correlation candidates are read by the same statement
   * (fault_correlation_candidates: a volatile function, so it takes the tenant's correlation lock and
   * then reads on fresh snapshots, as its own round trip would).
   */
  async upsertReport(
    manager: EntityManager,
    fault: FaultEntity,
    correlation?: CandidateInputs,
  ): Promise<{ fault: FaultEntity; inserted: boolean; candidates?: CorrelationCandidates }> {
    const nowSeconds = Math.floor(fault.createdAt.getTime() / 1000);
    let claimed = false;
    for (let attempt = 1; ; attempt++) {
      // A merge that found its holder resolved meanwhile still holds that fault's row lock (PostgreSQL
      // locks the newest version before rechecking it); rolled back to here, it waits on nothing.
      if (fault.dedupKey !== null) await manager.query(`SAVEPOINT fault_report`);
      const rows = await this.storeReport(manager, fault, nowSeconds, claimed, correlation);
      if (rows.length > 0) {
        const [row] = rows;
        return { fault: this.mapper.toFault(row), inserted: row.inserted, ...(row.candidates !== null ? { candidates: toCandidates(row.candidates) } : {}) };
      }
      await manager.query(`ROLLBACK TO SAVEPOINT fault_report`);
      if (attempt >= MAX_REPORT_ATTEMPTS) throw new Error(`report of dedup_key ${fault.dedupKey} of tenant ${fault.customerId}: no stable holder after ${attempt} attempts`);
      // An expired holder gives its key up (a live one is left alone and not locked).
      const [taken]: [unknown[], number] = await manager.query(
        `UPDATE fault_open_keys SET fault_id = $3, fault_ttl = $4 WHERE customer_id = $1 AND dedup_key = $2 AND fault_ttl <= $5 RETURNING 1`,
        [fault.customerId, fault.dedupKey, fault.id, fault.ttl, nowSeconds],
      );
      claimed = taken.length > 0;
    }
  }

  /** The report's one statement: claim, or merge into the visible live holder, or insert (`claimed`: the key is already this report's). */
  private storeReport(
    manager: EntityManager,
    fault: FaultEntity,
    nowSeconds: number,
    claimed: boolean,
    correlation?: CandidateInputs,
  ): Promise<Array<FaultRow & { inserted: boolean; candidates: CandidateRow[] | null }>> {
    return preparedQueryIn<FaultRow & { inserted: boolean; candidates: CandidateRow[] | null }>(
      manager,
      `WITH claim AS (
         INSERT INTO fault_open_keys (customer_id, dedup_key, fault_id, fault_ttl)
         SELECT $2::varchar, $12::varchar, $1::varchar, $11::bigint WHERE $12::varchar IS NOT NULL AND NOT $19::boolean
         ON CONFLICT (customer_id, dedup_key) DO NOTHING
         RETURNING fault_id
       ), holder AS (
         SELECT k.fault_id, k.fault_ttl FROM fault_open_keys k
         WHERE k.customer_id = $2::varchar AND k.dedup_key = $12::varchar AND NOT $19::boolean AND NOT EXISTS (SELECT 1 FROM claim) AND k.fault_ttl > $18::bigint
       ), merged AS (
         UPDATE faults AS f SET ${MERGE_SET}
         FROM holder h, (SELECT $10::timestamptz AS last_occurred_at, $6::varchar AS severity, $10::timestamptz AS updated_at) AS "EXCLUDED"
         WHERE f.customer_id = $2::varchar AND f.id = h.fault_id AND f.ttl = h.fault_ttl AND f.status = 'unresolved'
         RETURNING ${FAULT_COLUMNS}, false AS inserted
       ), reported AS (
         INSERT INTO faults AS f (id, customer_id, resource_id, microservice_id, type, status, severity, message, cause, resource_ancestry_path,
                                  created_at, updated_at, resolved_at, ttl, dedup_key, occurrences, last_occurred_at, silenced)
         SELECT $1, $2::varchar, $3::varchar, $4, $5::varchar, 'unresolved', $6, $7, $8, $9, $10::timestamptz, $10, NULL, $11, $12, 1, $10, ${silenceMatch('$2', '$10', '$3', '$5', '$13')}
         WHERE $12::varchar IS NULL OR $19::boolean OR EXISTS (SELECT 1 FROM claim)
         -- A fault just inserted has a new id that no fault names as its root yet: 0 symptoms, without
         -- the count's probe of every partition (its adoptions come after, FaultCorrelationService).
         RETURNING ${FAULT_STORED_COLUMNS}, 0 AS symptom_count, true AS inserted
       ), segments AS (
         INSERT INTO fault_path_segments (fault_id, segment, customer_id, created_at, fault_ttl)
         SELECT r.id, segment, r.customer_id, r.created_at, r.ttl FROM reported r, unnest($13::varchar[]) AS segment
       ), stored AS (SELECT * FROM reported UNION ALL SELECT * FROM merged)
       SELECT r.*, CASE WHEN r.inserted AND $14 THEN (SELECT coalesce(json_agg(c), '[]') FROM fault_correlation_candidates(r.customer_id, $15::varchar[], r.resource_id, $16::timestamptz, r.id, $17::bigint) c) END AS candidates
       FROM stored r`,
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
        pathSegments(fault.resourceAncestryPath),
        correlation !== undefined,
        correlation?.ancestors ?? [],
        correlation?.since ?? fault.createdAt,
        correlation?.nowSeconds ?? 0,
        nowSeconds,
        claimed,
      ],
    );
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
   * Reopens the (locked, resolved) fault `reopened` for a report, in place of the fault `inserted`
   * this transaction just inserted for it. The key's row in fault_open_keys, which this transaction
   * holds locked since its claim, is handed to the reopened fault first and never deleted meanwhile,
   * so no concurrent report slips in between: reports waiting on it then merge into the reopened
   * fault. The inserted fault's path segments go with it (no cascade since faults is partitioned).
   * Every statement names the full key (customer_id, id, ttl): one partition each.
   */
  async reopenInstead(manager: EntityManager, inserted: FaultEntity, reopened: FaultEntity, report: FaultEntity): Promise<FaultEntity> {
    await manager.query(`UPDATE fault_open_keys SET fault_id = $3, fault_ttl = $4 WHERE customer_id = $1 AND dedup_key = $2`, [
      report.customerId,
      report.dedupKey,
      reopened.id,
      reopened.ttl,
    ]);
    await manager.query(`DELETE FROM fault_path_segments WHERE customer_id = $1 AND fault_id = $2 AND fault_ttl = $3`, [report.customerId, inserted.id, inserted.ttl]);
    await manager.query(`DELETE FROM faults WHERE customer_id = $1 AND id = $2 AND ttl = $3`, [report.customerId, inserted.id, inserted.ttl]);
    const [rows]: [FaultRow[], number] = await manager.query(
      `UPDATE faults AS f SET status = 'unresolved', resolved_at = NULL, occurrences = f.occurrences + 1,
              last_occurred_at = greatest(coalesce(f.last_occurred_at, f.created_at), $3), updated_at = $3,
              severity = ${higherSeverity('f.severity', '$4')}, acknowledged_at = NULL, acknowledged_by = NULL, silenced = $5,
              escalation_step = 0, escalation_base_at = $3
       WHERE f.customer_id = $2 AND f.id = $1 AND f.ttl = $6
       RETURNING ${FAULT_COLUMNS}`,
      [reopened.id, report.customerId, report.createdAt, report.severity, report.silenced, reopened.ttl],
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
