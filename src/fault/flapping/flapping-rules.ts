/** What a reopen does to a fault's flapping state. */
export interface FlapState {
  /** The latest reopens kept (at most `threshold`, oldest first). */
  reopenedAt: Date[];
  flapping: boolean;
  flappingSince: Date | null;
  /** This reopen made it flapping (announce fault.flapping once). */
  started: boolean;
}

/**
 * A fault reopened at least `threshold` times within `windowSeconds` flaps. Only the latest
 * `threshold` reopens matter, so that is all that is kept.
 */
export function afterReopen(previous: Date[] | null, flapping: boolean, flappingSince: Date | null, now: Date, threshold: number, windowSeconds: number): FlapState {
  const reopenedAt = [...(previous ?? []), now].slice(-threshold);
  const since = now.getTime() - windowSeconds * 1000;
  const recent = reopenedAt.filter((at) => at.getTime() > since).length;
  if (flapping) return { reopenedAt, flapping, flappingSince, started: false };
  const starts = recent >= threshold;
  return { reopenedAt, flapping: starts, flappingSince: starts ? now : null, started: starts };
}

/** A flapping fault is stable again once a whole window passed since its last reopen. */
export function isStable(reopenedAt: Date[] | null, now: Date, windowSeconds: number): boolean {
  const last = reopenedAt?.[reopenedAt.length - 1];
  return last === undefined || now.getTime() - last.getTime() >= windowSeconds * 1000;
}
