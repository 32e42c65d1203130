/** A row of hand-written fault SQL, selected with FAULT_COLUMNS (list pages add created_at_micros). */
export type FaultRow = Record<string, unknown> & { created_at_micros?: string };

/** The stored columns of a fault (`f` is the faults row): FAULT_COLUMNS without symptom_count. */
export const FAULT_STORED_COLUMNS =
  'f.id, f.customer_id, f.resource_id, f.microservice_id, f.type, f.status, f.severity, f.message, f.cause, ' +
  'f.resource_ancestry_path, f.created_at, f.updated_at, f.resolved_at, f.ttl, f.dedup_key, f.occurrences, ' +
  // NULL on rows older than the lifecycle columns (added without a table rewrite): never repeated, so created_at.
  'coalesce(f.last_occurred_at, f.created_at) AS last_occurred_at, f.acknowledged_at, f.acknowledged_by, f.silenced, ' +
  'f.root_fault_id, f.has_symptoms, f.flapping, f.flapping_since, f.reopened_at, f.escalation_step, f.escalation_base_at';

/**
 * symptom_count of the fault `alias`: 0 unless it has_symptoms (it is, or was, a root: migration
 * FaultHasSymptoms), and for those a probe of the partial index faults_customer_root_created_idx in
 * every partition of `faults` (its symptoms expire on their own ttls), about 19 probes: select it
 * only for the rows a read returns. The subquery in the CASE runs only for the rows that take it.
 */
export const symptomCount = (alias: string): string =>
  `(CASE WHEN ${alias}.has_symptoms THEN (SELECT count(*) FROM faults sx WHERE sx.customer_id = ${alias}.customer_id AND sx.root_fault_id = ${alias}.id) ELSE 0 END)::int AS symptom_count`;

/** The columns every fault read selects (`f` is the faults row), for the rooms of fault/ that write their own SQL too. */
export const FAULT_COLUMNS = `${FAULT_STORED_COLUMNS}, ${symptomCount('f')}`;
