import { DateTime, IANAZone } from 'luxon';
import { Frequency, RRule } from 'rrule';

export interface Window {
  startsAt: Date;
  endsAt: Date;
}

export interface Recurrence {
  rrule: string;
  durationMinutes: number;
  timezone: string;
  /** The rule starts here (its first occurrence is at or after it). */
  start: Date;
  /** No occurrence starts at or after this. */
  until: Date | null;
}

const ALLOWED_FREQUENCIES = new Set([Frequency.YEARLY, Frequency.MONTHLY, Frequency.WEEKLY, Frequency.DAILY, Frequency.HOURLY]);

/** The problem with a rule, or undefined: RFC 5545 RRULE syntax, no DTSTART/TZID/UNTIL inside (they are fields), FREQ at least HOURLY. */
export function ruleProblem(rule: string): string | undefined {
  if (rule.length === 0 || rule.length > 500) return 'rrule must be 1-500 characters';
  if (/(^|[;\n])\s*(DTSTART|TZID|UNTIL)\b|RRULE:|\n/i.test(rule)) return 'rrule must not contain DTSTART, TZID, UNTIL or several lines (use starts_at, timezone and until)';
  let options;
  try {
    options = RRule.parseString(rule);
  } catch (error) {
    return `rrule is not an RFC 5545 recurrence rule (${(error as Error).message})`;
  }
  if (options.freq === undefined) return 'rrule must have FREQ';
  if (!ALLOWED_FREQUENCIES.has(options.freq)) return 'rrule FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY';
  try {
    new RRule({ ...options, dtstart: new Date(Date.UTC(2026, 0, 1)) }).after(new Date(Date.UTC(2026, 0, 1)), true);
  } catch (error) {
    return `rrule is not an RFC 5545 recurrence rule (${(error as Error).message})`;
  }
  return undefined;
}

export function isTimeZone(zone: string): boolean {
  return zone.length <= 64 && IANAZone.isValidZone(zone);
}

/** A local wall-clock time written as if it were UTC: rrule iterates these ("floating" times), so no DST shift can creep in. */
function toWall(instant: Date, zone: string): Date {
  const local = DateTime.fromJSDate(instant, { zone });
  return new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
}

/**
 * A wall-clock time of the zone back to an instant. A time the spring change skips moves forward by
 * the gap (02:30 → 03:30); a time the autumn change repeats is its first instance (as RFC 5545 says).
 */
function fromWall(wall: Date, zone: string): Date {
  const instant = DateTime.fromObject(
    { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), hour: wall.getUTCHours(), minute: wall.getUTCMinutes(), second: wall.getUTCSeconds() },
    { zone },
  ).toJSDate();
  for (const minutes of [60, 30]) {
    const earlier = new Date(instant.getTime() - minutes * 60_000);
    if (toWall(earlier, zone).getTime() === wall.getTime()) return earlier;
  }
  return instant;
}

/**
 * The windows `[occurrence, occurrence + duration)` that overlap `[from, to)`, at most `max`, oldest
 * first. The rule is evaluated on local wall-clock time in the IANA zone (rrule in floating mode, then
 * luxon for the offset of each date), so "02:00 every Sunday" stays 02:00 local across DST changes.
 */
export function windowsBetween(recurrence: Recurrence, from: Date, to: Date, max = 1000): Window[] {
  const { timezone: zone } = recurrence;
  const startWall = toWall(recurrence.start, zone);
  startWall.setUTCSeconds(0, 0);
  const rule = new RRule({ ...RRule.parseString(recurrence.rrule), dtstart: startWall });
  const durationMs = recurrence.durationMinutes * 60_000;
  // Walls two days either side cover any offset; exact instants are filtered below.
  const walls = rule.between(new Date(toWall(from, zone).getTime() - durationMs - 2 * 86_400_000), new Date(toWall(to, zone).getTime() + 2 * 86_400_000), true);
  const windows: Window[] = [];
  for (const wall of walls) {
    const startsAt = fromWall(wall, zone);
    if (startsAt < recurrence.start || (recurrence.until !== null && startsAt >= recurrence.until)) continue;
    const endsAt = new Date(startsAt.getTime() + durationMs);
    if (endsAt <= from || startsAt >= to) continue;
    windows.push({ startsAt, endsAt });
    if (windows.length >= max) break;
  }
  return windows;
}

/** The window in force at `now`, else the next one to begin (within `horizonDays`), else null. */
export function currentOrNext(recurrence: Recurrence, now: Date, horizonDays = 400): Window | null {
  return windowsBetween(recurrence, now, new Date(now.getTime() + horizonDays * 86_400_000), 1)[0] ?? null;
}
