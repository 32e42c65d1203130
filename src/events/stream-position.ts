/**
 * Where an event stands in a stream: the id of the transaction that wrote it, then its sequence
 * number. PostgreSQL commits transactions out of sequence order, so `seq` alone is no stable
 * order for a reader that follows the table live; `(xid, seq)` is, read only below the oldest
 * running transaction's id (`pg_snapshot_xmin`): nothing can appear there any more.
 */
export interface StreamPosition {
  xid: bigint;
  seq: bigint;
}

export const START: StreamPosition = { xid: 0n, seq: 0n };

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function isAfter(a: StreamPosition, b: StreamPosition): boolean {
  return comparePositions(a, b) > 0;
}

/** Just before every event a transaction with id `xid` or a later one wrote. */
export function horizonPosition(xid: bigint): StreamPosition {
  return { xid, seq: 0n };
}
