import { EntityManager } from 'typeorm';
import { pathSegments } from '../../../src/fault/ancestry-path';
import { FaultSilenceEntity } from '../../../src/fault/entities/fault-silence.entity';
import { FaultEntity } from '../../../src/fault/entities/fault.entity';
import { Window } from '../../../src/fault/maintenance/recurrence';
import { SilenceWindowRepository } from '../../../src/fault/maintenance/silence-window.repository';
import { FaultSilenceRepository } from '../../../src/fault/silences/fault-silence.repository';
import { FAKE_MANAGER } from './fault-store';

/** `fault_silences` and `fault_silence_windows` in memory, shared by the two fake repositories below. */
export class FakeSilenceStore {
  readonly silences = new Map<string, FaultSilenceEntity>();
  /** Expanded windows of recurring silences, each stored once. */
  readonly windows: Array<Window & { customerId: string; silenceId: string }> = [];

  /**
   * Whether an active silence of the tenant matches the fault at its `createdAt`: the predicate
   * FaultReportRepository evaluates in SQL (silenceMatch) — a one-off silence by its own start and
   * end, a recurring one by its stored windows; every matcher given must equal (site: any segment
   * of the ancestry path).
   */
  matches(fault: Pick<FaultEntity, 'customerId' | 'resourceId' | 'type' | 'resourceAncestryPath' | 'createdAt'>): boolean {
    const now = fault.createdAt.getTime();
    const segments = pathSegments(fault.resourceAncestryPath);
    const matchers = (s: FaultSilenceEntity): boolean =>
      (s.site === null || segments.includes(s.site)) && (s.resourceId === null || s.resourceId === fault.resourceId) && (s.type === null || s.type === fault.type);
    const inForce = (w: { startsAt: Date; endsAt: Date }): boolean => w.startsAt.getTime() <= now && now < w.endsAt.getTime();
    const oneOff = [...this.silences.values()].some((s) => s.customerId === fault.customerId && s.scheduleRrule === null && inForce(s) && matchers(s));
    const recurring = this.windows.some((w) => w.customerId === fault.customerId && inForce(w) && matchers(this.silences.get(w.silenceId)!));
    return oneOff || recurring;
  }
}

const copySilence = (s: FaultSilenceEntity): FaultSilenceEntity => Object.assign(new FaultSilenceEntity(), s);

export class FakeFaultSilenceRepository implements Pick<FaultSilenceRepository, 'insertWithinCap' | 'list' | 'delete'> {
  constructor(readonly db: FakeSilenceStore) {}

  async insertWithinCap(silence: FaultSilenceEntity, cap: number, now: Date, afterInsert?: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    const active = [...this.db.silences.values()].filter((s) => s.customerId === silence.customerId && s.endsAt > now).length;
    if (active >= cap) return false;
    this.db.silences.set(silence.id, copySilence(silence));
    await afterInsert?.(FAKE_MANAGER);
    return true;
  }

  async list(customerId: string, endingAfter: Date | undefined, take: number, after?: { startsAt: Date; id: string }): Promise<FaultSilenceEntity[]> {
    const key = (s: { startsAt: Date; id: string }): [number, string] => [s.startsAt.getTime(), s.id];
    const before = (a: [number, string], b: [number, string]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    return [...this.db.silences.values()]
      .filter((s) => s.customerId === customerId && (endingAfter === undefined || s.endsAt > endingAfter) && (after === undefined || before(key(after), key(s))))
      .sort((a, b) => (before(key(a), key(b)) ? -1 : 1))
      .slice(0, take)
      .map(copySilence);
  }

  async delete(customerId: string, id: string): Promise<boolean> {
    const silence = this.db.silences.get(id);
    if (silence === undefined || silence.customerId !== customerId) return false;
    this.db.silences.delete(id);
    // ON DELETE CASCADE: the silence's windows go with it.
    this.db.windows.splice(0, this.db.windows.length, ...this.db.windows.filter((w) => w.silenceId !== id));
    return true;
  }
}

export class FakeSilenceWindowRepository implements Pick<SilenceWindowRepository, 'store' | 'dueForExpansion' | 'deleteEndedBefore' | 'transaction'> {
  constructor(readonly db: FakeSilenceStore) {}

  async store(_manager: EntityManager, silence: FaultSilenceEntity, windows: Window[], expandedUntil: Date): Promise<void> {
    for (const w of windows) {
      const stored = this.db.windows.some((s) => s.silenceId === silence.id && s.startsAt.getTime() === w.startsAt.getTime() && s.endsAt.getTime() === w.endsAt.getTime());
      if (!stored) this.db.windows.push({ customerId: silence.customerId, silenceId: silence.id, startsAt: w.startsAt, endsAt: w.endsAt });
    }
    const row = this.db.silences.get(silence.id);
    if (row !== undefined) row.expandedUntil = expandedUntil;
  }

  async dueForExpansion(now: Date, horizon: Date, batch: number): Promise<FaultSilenceEntity[]> {
    return [...this.db.silences.values()]
      .filter((s) => s.scheduleRrule !== null && s.endsAt > now && (s.expandedUntil === null || s.expandedUntil < horizon))
      .sort((a, b) => (a.expandedUntil?.getTime() ?? -Infinity) - (b.expandedUntil?.getTime() ?? -Infinity))
      .slice(0, batch)
      .map(copySilence);
  }

  async deleteEndedBefore(before: Date): Promise<number> {
    const kept = this.db.windows.filter((w) => w.endsAt >= before);
    const deleted = this.db.windows.length - kept.length;
    this.db.windows.splice(0, this.db.windows.length, ...kept);
    return deleted;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(FAKE_MANAGER);
  }
}
