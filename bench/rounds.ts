import { LoadCase, LoadResult } from './load';
import type { SectionContext } from './sections';
import { mid } from './service';

/**
 * What the sections comparing several targets (instances, HAProxy, tracing variants) share: their
 * cases picked by name, runs in rounds with the order rotated, and the median run.
 */

/** The cases named, from the bench's list; a missing one fails `section`. */
export function casesNamed(ctx: SectionContext, section: string, names: string[]): LoadCase[] {
  return names.map((name) => {
    const c = ctx.cases.find((k) => k.name === name);
    if (c === undefined) throw new Error(`${section}: the ${name} case is missing`);
    return c;
  });
}

/**
 * `rounds` rounds of one run of each of `count` targets (`measure(i)` runs target i), the order
 * rotated every round so that none always goes first: runs[i] are target i's, in round order.
 */
export async function rotatedRounds<R>(count: number, rounds: number, measure: (i: number) => Promise<R>): Promise<R[][]> {
  const runs = Array.from({ length: count }, () => [] as R[]);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < count; k++) {
      const i = (k + round) % count;
      runs[i].push(await measure(i));
    }
  }
  return runs;
}

/** The median run: each figure (`extra` names the section's own, e.g. CPU per request) its median; errors, unexpected statuses and requests summed. */
export function medianRun<R extends LoadResult>(runs: R[], extra: Array<Exclude<keyof R, keyof LoadResult>>): R {
  const own = Object.fromEntries(extra.map((key) => [key, mid(runs.map((r) => r[key] as number))]));
  return {
    ...own,
    requestsPerSecond: mid(runs.map((r) => r.requestsPerSecond)),
    p50Ms: mid(runs.map((r) => r.p50Ms)),
    p99Ms: mid(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    unexpected: runs.reduce<Record<string, number>>((all, r) => {
      for (const [status, n] of Object.entries(r.unexpected ?? {})) all[status] = (all[status] ?? 0) + n;
      return all;
    }, {}),
    requests: runs.reduce((s, r) => s + r.requests, 0),
  } as R;
}

/** One target's runs in a case, their median, and its req/s over the first target's. */
export interface Compared<R> {
  name: string;
  runs: R[];
  median: R;
  /** Of the medians. */
  ratio: number;
  /** Round by round, the median of those ratios (what the rotation pairs up). */
  pairedRatio: number;
}

/** Each target's runs (runs[i] are names[i]'s, from rotatedRounds) with its median run (see medianRun) and its ratios to the first target. */
export function compared<R extends LoadResult>(names: string[], runs: R[][], extra: Array<Exclude<keyof R, keyof LoadResult>>): Array<Compared<R>> {
  const medians = runs.map((r) => medianRun(r, extra));
  return names.map((name, i) => ({
    name,
    runs: runs[i],
    median: medians[i],
    ratio: medians[i].requestsPerSecond / medians[0].requestsPerSecond,
    pairedRatio: mid(runs[i].map((r, round) => r.requestsPerSecond / runs[0][round].requestsPerSecond)),
  }));
}
