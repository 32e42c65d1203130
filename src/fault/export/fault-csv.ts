import { stringify } from 'csv-stringify/sync';
import { FaultDto } from '../dto/fault.dto';

/** The CSV columns: every Fault field but `comments`, in the API's order. */
export const CSV_COLUMNS = [
  'id',
  'resource_id',
  'customer_id',
  'microservice_id',
  'type',
  'status',
  'severity',
  'message',
  'cause',
  'created_at',
  'resolved_at',
  'resource_ancestry_path',
  'ttl',
  'dedup_key',
  'occurrences',
  'last_occurred_at',
  'acknowledged_at',
  'acknowledged_by',
  'silenced',
  'root_fault_id',
  'symptom_count',
  'flapping',
  'flapping_since',
] as const satisfies ReadonlyArray<keyof FaultDto>;

/** A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading `'`. */
export function guardFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  return guardFormula(String(value));
}

/** Rows of RFC 4180 CSV (CRLF line ends, fields quoted when they hold a comma, quote or line break), with the header row first when asked. */
export function toCsv(faults: FaultDto[], header: boolean): string {
  const rows = faults.map((fault) => CSV_COLUMNS.map((column) => cell(fault[column])));
  return stringify(header ? [[...CSV_COLUMNS], ...rows] : rows, { record_delimiter: 'windows' });
}
