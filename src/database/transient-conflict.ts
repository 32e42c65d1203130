/** PostgreSQL's "try the transaction again" conditions: serialization_failure and deadlock_detected. */
export const TRANSIENT_CONFLICT_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** True for a serialization failure or a deadlock (the transaction was rolled back whole; running it again is safe). */
export function isTransientConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.code ?? e.driverError?.code;
  return typeof code === 'string' && TRANSIENT_CONFLICT_CODES.has(code);
}

/**
 * Runs `work` (one statement or one whole transaction) and, when PostgreSQL rolled it back for a
 * serialization failure or a deadlock, runs it once more. A second conflict is thrown: the error
 * filter answers it 503 with Retry-After, never 500.
 */
export async function retryOnceOnConflict<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isTransientConflict(error)) throw error;
    return work();
  }
}
