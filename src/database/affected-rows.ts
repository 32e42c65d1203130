/**
 * How many rows an UPDATE or DELETE run through `query()` changed. TypeORM's
 * PostgreSQL driver answers such statements with `[rows, rowCount]` (rows are
 * the RETURNING rows); a SELECT answers the rows alone.
 */
export function affectedRows(result: unknown): number {
  return isCountedResult(result) ? result[1] : 0;
}

/** The RETURNING rows of an UPDATE or DELETE run through `query()`. */
export function returnedRows<T>(result: unknown): T[] {
  return isCountedResult(result) ? (result[0] as T[]) : ((result ?? []) as T[]);
}

function isCountedResult(result: unknown): result is [unknown[], number] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number';
}
