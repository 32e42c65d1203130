import { SilenceWindowsService } from '../../src/fault/maintenance/silence-windows.service';
import { clockedTenantSuite } from '../support/clocked-tenant-suite';
import { faultReport, report } from './support';

const HOUR = 3600_000;

/** Recurring maintenance windows on silences: RFC 5545 rules in IANA zones, active/next_window, matching at report time, DST change days. */
describe('Fault intelligence: recurring maintenance windows', () => {
  const fx = clockedTenantSuite({ env: { JOBS_SCHEMA: 'jobs_maintenance_e2e', FAULT_SILENCE_HORIZON_DAYS: '10' }, startAt: () => new Date(Math.ceil(Date.now() / 60_000) * 60_000), tokenExpiresInSeconds: 30 * 86_400 });

  const silence = (body: Record<string, unknown>) => fx.t.request('POST', '/fault/silences', { token: fx.token, body: { comment: 'Weekly maintenance', ...body } });
  /** A daily rule (UTC) whose window opens `offsetMinutes` from now. */
  const dailyAt = (offsetMinutes: number): string => {
    const at = new Date(fx.clock.now().getTime() + offsetMinutes * 60_000);
    return `FREQ=DAILY;BYHOUR=${at.getUTCHours()};BYMINUTE=${at.getUTCMinutes()}`;
  };

  it('silences faults reported inside a window, not between windows, and shows active and next_window', async () => {
    const now = fx.clock.now();
    const active = await silence({ site: 'site_n', starts_at: new Date(now.getTime() - 2 * HOUR).toISOString(), schedule: { rrule: dailyAt(-10), duration_minutes: 60, timezone: 'UTC' } });
    expect(active.status).toBe(201);
    expect(active.body).toMatchObject({ active: true, ends_at: null, schedule: { rrule: dailyAt(-10), duration_minutes: 60, timezone: 'UTC', until: null } });
    expect(Date.parse(active.body.next_window.starts_at)).toBe(now.getTime() - 10 * 60_000);
    const later = await silence({ type: 'power', schedule: { rrule: dailyAt(120), duration_minutes: 30, timezone: 'UTC' } });
    expect(later.body).toMatchObject({ active: false });
    expect(Date.parse(later.body.next_window.starts_at)).toBe(now.getTime() + 2 * HOUR);

    expect((await report(fx.t, fx.token, faultReport('dev_a', 'site_n|dev_a'))).silenced).toBe(true);
    expect((await report(fx.t, fx.token, faultReport('dev_b', 'site_s|dev_b'))).silenced).toBe(false);
    expect((await report(fx.t, fx.token, faultReport('power_1', null, { type: 'power' }))).silenced).toBe(false);
    fx.clock.advance(51 * 60_000);
    expect((await report(fx.t, fx.token, faultReport('dev_c', 'site_n|dev_c'))).silenced).toBe(false);
    fx.clock.advance(70 * 60_000);
    expect((await report(fx.t, fx.token, faultReport('power_2', null, { type: 'power' }))).silenced).toBe(true);
    // The next day, the same local time: silenced again.
    fx.clock.advance(24 * HOUR - 121 * 60_000);
    expect((await report(fx.t, fx.token, faultReport('dev_d', 'site_n|dev_d'))).silenced).toBe(true);
    const list = (await fx.t.request('GET', '/fault/silences', { token: fx.token })).body as Array<Record<string, any>>;
    expect(list.map((s) => s.active).sort()).toEqual([false, true]);
  });

  it('shows the DST change days right: Berlin 28 March 2027 and New York 7 November 2027', async () => {
    const berlin = await silence({ site: 'site_b', starts_at: '2027-03-27T00:00:00Z', schedule: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', duration_minutes: 120, timezone: 'Europe/Berlin' } });
    // 02:00 does not exist that night (clocks go 02:00 → 03:00 CEST): the window opens at 03:00 CEST = 01:00Z and lasts 2 hours.
    expect(berlin.body.next_window).toEqual({ starts_at: '2027-03-28T01:00:00.000000Z', ends_at: '2027-03-28T03:00:00.000000Z' });
    const ny = await silence({ site: 'site_ny', starts_at: '2027-11-06T12:00:00Z', schedule: { rrule: 'FREQ=DAILY;BYHOUR=1;BYMINUTE=30', duration_minutes: 60, timezone: 'America/New_York', until: '2027-11-09T00:00:00Z' } });
    // 01:30 happens twice on 7 November: the first, EDT (05:30Z).
    expect(ny.body.next_window).toEqual({ starts_at: '2027-11-07T05:30:00.000000Z', ends_at: '2027-11-07T06:30:00.000000Z' });
    expect(ny.body.ends_at).toBe('2027-11-09T00:00:00.000000Z');
  });

  it('refuses an invalid rule, time zone, duration or an ends_at beside a schedule, naming the field', async () => {
    const schedule = { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2', duration_minutes: 60, timezone: 'Europe/Berlin' };
    for (const [body, field] of [
      [{ schedule: { ...schedule, rrule: 'FREQ=MINUTELY' } }, 'schedule.rrule'],
      [{ schedule: { ...schedule, rrule: 'DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY' } }, 'schedule.rrule'],
      [{ schedule: { ...schedule, rrule: 'FREQ=DAILY;BYDAY=XX' } }, 'schedule.rrule'],
      [{ schedule: { ...schedule, timezone: 'Mars/Olympus' } }, 'schedule.timezone'],
      [{ schedule: { ...schedule, duration_minutes: 0 } }, 'schedule.duration_minutes'],
      [{ schedule: { ...schedule, duration_minutes: 1441 } }, 'schedule.duration_minutes'],
      [{ schedule, ends_at: '2099-01-01T00:00:00Z' }, 'ends_at'],
      [{ schedule: { ...schedule, until: '2000-01-01T00:00:00Z' } }, 'schedule.until'],
    ] as Array<[Record<string, unknown>, string]>) {
      const res = await silence({ site: 'site_x', ...body });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.field).toBe(field);
    }
    expect((await silence({ site: 'site_x' })).body.errors?.[0]?.field).toBe('ends_at');
  });

  it('keeps the cap of 200 for recurring silences too', async () => {
    await fx.db.query(
      `INSERT INTO fault_silences (id, customer_id, site, starts_at, ends_at, comment, created_by, created_at)
       SELECT 'sil_' || lpad(g::text, 27, '0') || substr(md5($1), 1, 0), $1, 'site_x', now(), now() + interval '1 day', 'c', 'usr', now() FROM generate_series(1, 200) g`,
      [fx.tenant],
    );
    const res = await silence({ site: 'site_x', schedule: { rrule: 'FREQ=DAILY', duration_minutes: 60, timezone: 'UTC' } });
    expect(res.status).toBe(409);
  });

  it('expands windows ahead into a bounded table, and the daily job keeps the horizon (idempotently)', async () => {
    const created = await silence({ site: 'site_h', schedule: { rrule: dailyAt(30), duration_minutes: 60, timezone: 'UTC' } });
    const windows = async (): Promise<Array<{ starts_at: Date }>> => fx.db.query(`SELECT starts_at FROM fault_silence_windows WHERE silence_id = $1 ORDER BY starts_at`, [created.body.id]);
    expect((await windows()).length).toBe(10);
    const service = fx.t.app.get(SilenceWindowsService);
    await Promise.all([service.expandAll(), service.expandAll()]);
    expect((await windows()).length).toBe(10);
    fx.clock.advance(5 * 24 * HOUR);
    await service.expandAll();
    // Ahead again to the 10-day horizon, one window a day without a gap or a repeat; those ended a day ago are gone.
    const after = (await windows()).map((w) => w.starts_at.getTime());
    const now = fx.clock.now().getTime();
    expect(after[after.length - 1]).toBeGreaterThan(now + 9 * 24 * HOUR);
    expect(after[after.length - 1]).toBeLessThanOrEqual(now + 10 * 24 * HOUR);
    expect(after[0]).toBeGreaterThan(now - 2 * 24 * HOUR);
    for (let i = 1; i < after.length; i++) expect(after[i] - after[i - 1]).toBe(24 * HOUR);
  });
});
