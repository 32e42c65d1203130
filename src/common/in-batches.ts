/** How far one run of batched background work may go. */
export interface BatchLimits {
  /** Rows a batch handles at most: a batch that handles fewer was the last one. */
  batchSize: number;
  /** Batches per run: a run stops after this many and leaves the rest to the next run. */
  maxBatches: number;
  /** True once shutdown began (`SingleRun.stopping`): the run ends between batches. */
  stopping: () => boolean;
}

/**
 * Runs `batch` (one statement or transaction, handling at most `batchSize` rows, saying how many) until
 * a batch comes back short, the run's batch budget is spent, or shutdown begins; yields to the event
 * loop between batches. The rows handled in all.
 */
export async function inBatches(limits: BatchLimits, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < limits.maxBatches && !limits.stopping(); i++) {
    const handled = await batch();
    total += handled;
    if (handled < limits.batchSize) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}
