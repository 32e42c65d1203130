import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TenantPrincipal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { toApiTimestamp } from '../../common/timestamps';
import { ValidationFailedException } from '../../common/validation';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue } from '../../jobs/job-queue';
import { FakeClock } from '../../../test/support/fake-clock';
import { FakeJobQueue } from '../../../test/support/fakes/fake-job-queue';
import { FakeFaultSilenceRepository, FakeSilenceStore, FakeSilenceWindowRepository } from '../../../test/support/fakes/fake-silence.repositories';
import { fakeFaultLifecycle, faultConfig } from '../../../test/support/fakes/fault-lifecycle';
import { FAKE_MANAGER, faultDraft } from '../../../test/support/fakes/fault-store';
import { FaultEntity } from '../entities/fault.entity';
import { SilenceWindowRepository } from '../maintenance/silence-window.repository';
import { SilenceWindowsService } from '../maintenance/silence-windows.service';
import { CreateFaultSilenceDto, MAX_SILENCES_PER_TENANT } from './dto/fault-silence.dto';
import { FaultSilenceRepository } from './fault-silence.repository';
import { FaultSilenceService } from './fault-silence.service';

/**
 * Silences through FaultSilenceService's public methods (create, list, delete) with the real
 * SilenceWindowsService, over in-memory repositories and a fake clock: what is accepted, `active`
 * and `next_window` of one-off and recurring silences, and which reports they silence (the report's
 * match is SQL in FaultReportRepository; FakeSilenceStore.matches evaluates the same predicate over
 * the silences and the windows the services stored).
 */
describe('FaultSilenceService', () => {
  const t0 = new Date('2026-03-02T10:00:00Z'); // a Monday
  const hours = (h: number): Date => new Date(t0.getTime() + h * 3_600_000);
  const api = (d: Date): string => toApiTimestamp(d);
  const user: TenantPrincipal = { kind: 'user', subject: 'u1', customerId: 'cus_a', scopes: new Set() };
  /** Sundays 02:00–04:00 Berlin time (01:00–03:00Z in winter). */
  const sundayNights = { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', duration_minutes: 120, timezone: 'Europe/Berlin' };

  const setup = async (config: FaultConfig = faultConfig()) => {
    const clock = new FakeClock(t0);
    const silences = new FakeSilenceStore();
    const moduleRef = await Test.createTestingModule({
      providers: [
        FaultSilenceService,
        SilenceWindowsService,
        { provide: FaultSilenceRepository, useValue: new FakeFaultSilenceRepository(silences) },
        { provide: SilenceWindowRepository, useValue: new FakeSilenceWindowRepository(silences) },
        { provide: JobQueue, useValue: new FakeJobQueue() },
        { provide: Clock, useValue: clock },
        { provide: FaultConfig, useValue: config },
      ],
    }).compile();
    const lifecycle = fakeFaultLifecycle({ clock, config });
    lifecycle.reports.silences = (fault) => silences.matches(fault);
    const service = moduleRef.get(FaultSilenceService);
    const create = (dto: Partial<CreateFaultSilenceDto>) => service.create(user, { comment: 'maintenance', ...dto });
    /** Reports a fault at `at` through FaultLifecycleService: is it stored silenced? */
    const silencedAt = async (at: Date, over: Partial<FaultEntity> = {}): Promise<boolean> =>
      (await lifecycle.service.report(FAKE_MANAGER, faultDraft({ createdAt: at, ...over }))).fault.silenced;
    return { clock, silences, service, windows: moduleRef.get(SilenceWindowsService), create, silencedAt };
  };

  describe('create', () => {
    it('refuses a silence without a matcher, with bad times, or longer than 90 days', async () => {
      const s = await setup();
      await expect(s.create({ ends_at: api(hours(1)) })).rejects.toThrow('Send at least one matcher: site, resource_id or type');
      await expect(s.create({ type: 'LINK_DOWN', starts_at: api(hours(2)), ends_at: api(hours(1)) })).rejects.toThrow('ends_at must be after starts_at');
      await expect(s.create({ type: 'LINK_DOWN', starts_at: api(hours(-3)), ends_at: api(hours(-1)) })).rejects.toThrow('ends_at must be in the future');
      await expect(s.create({ type: 'LINK_DOWN', ends_at: api(hours(90 * 24 + 1)) })).rejects.toThrow('at most 90 days');
      await expect(s.create({ type: 'LINK_DOWN', ends_at: 'not a date' })).rejects.toThrow(BadRequestException);
      expect(s.silences.silences.size).toBe(0);
    });

    it('refuses a schedule with ends_at, a bad rule or zone, or no window left', async () => {
      const s = await setup();
      const fields = async (dto: Partial<CreateFaultSilenceDto>): Promise<string[]> => {
        const error = await s.create({ type: 'LINK_DOWN', ...dto }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationFailedException);
        return (error as ValidationFailedException).fieldErrors.map((f) => f.field);
      };
      expect(await fields({ schedule: sundayNights, ends_at: api(hours(5)) })).toEqual(['ends_at']);
      expect(await fields({ schedule: { ...sundayNights, rrule: 'FREQ=MINUTELY' } })).toEqual(['schedule.rrule']);
      expect(await fields({ schedule: { ...sundayNights, timezone: 'Mars/Olympus' } })).toEqual(['schedule.timezone']);
      expect(await fields({ schedule: { ...sundayNights, until: api(hours(-1)) } })).toEqual(['schedule.until']);
      // Monday to Saturday: no Sunday before until.
      expect(await fields({ schedule: { ...sundayNights, until: api(hours(24 * 5)) } })).toEqual(['schedule.rrule']);
    });

    it('holds at most MAX_SILENCES_PER_TENANT silences not ended, per tenant', async () => {
      const s = await setup();
      for (let i = 0; i < MAX_SILENCES_PER_TENANT; i++) await s.create({ type: `T${i}`, ends_at: api(hours(1)) });
      await expect(s.create({ type: 'one more', ends_at: api(hours(1)) })).rejects.toThrow(ConflictException);
      await expect(s.service.create({ ...user, customerId: 'cus_b' }, { type: 'x', ends_at: api(hours(1)), comment: 'c' })).resolves.toBeDefined();
      // Once they have ended they no longer count.
      s.clock.current = hours(2);
      await expect(s.create({ type: 'later', ends_at: api(hours(3)) })).resolves.toBeDefined();
    });
  });

  describe('active and next_window', () => {
    it('is active between starts_at and ends_at; a future one shows its window', async () => {
      const s = await setup();
      const now = await s.create({ type: 'LINK_DOWN', ends_at: api(hours(2)) });
      expect(now).toMatchObject({ active: true, next_window: { starts_at: api(t0), ends_at: api(hours(2)) } });
      const later = await s.create({ type: 'LINK_DOWN', starts_at: api(hours(5)), ends_at: api(hours(6)) });
      expect(later).toMatchObject({ active: false, next_window: { starts_at: api(hours(5)), ends_at: api(hours(6)) } });
      s.clock.current = hours(5);
      const listed = (await s.service.list('cus_a', {})).data;
      expect(listed.map((l) => [l.id, l.active])).toEqual([[later.id, true]]);
      expect((await s.service.list('cus_a', { include_expired: 'true' })).data.map((l) => [l.id, l.active, l.next_window])).toEqual([
        [now.id, false, null],
        [later.id, true, { starts_at: api(hours(5)), ends_at: api(hours(6)) }],
      ]);
    });

    it("shows a recurring silence's window in force, else the next one, in its time zone", async () => {
      const s = await setup();
      const created = await s.create({ site: 'site_berlin', schedule: sundayNights });
      // Monday 2 March: the next window is Sunday 8 March 02:00 CET = 01:00Z.
      expect(created).toMatchObject({ active: false, ends_at: null, next_window: { starts_at: '2026-03-08T01:00:00.000000Z', ends_at: '2026-03-08T03:00:00.000000Z' } });
      s.clock.current = new Date('2026-03-08T02:59:00Z');
      expect((await s.service.list('cus_a', {})).data[0]).toMatchObject({ active: true, next_window: { starts_at: '2026-03-08T01:00:00.000000Z' } });
      // After the spring change (29 March) 02:00 CEST is 00:00Z.
      s.clock.current = new Date('2026-03-30T00:00:00Z');
      expect((await s.service.list('cus_a', {})).data[0]).toMatchObject({ active: false, next_window: { starts_at: '2026-04-05T00:00:00.000000Z' } });
    });
  });

  describe('which reports are silenced', () => {
    it('matches a one-off silence only while it is in force, by every matcher it has, in its own tenant', async () => {
      const s = await setup();
      await s.create({ site: 'site_fra', type: 'LINK_DOWN', starts_at: api(hours(1)), ends_at: api(hours(3)) });
      const inFra = { resourceAncestryPath: 'region_eu|site_fra|rack_1', type: 'LINK_DOWN' };
      expect(await s.silencedAt(hours(0.5), inFra)).toBe(false);
      expect(await s.silencedAt(hours(1), inFra)).toBe(true);
      expect(await s.silencedAt(hours(2.9), inFra)).toBe(true);
      expect(await s.silencedAt(hours(3), inFra)).toBe(false);
      expect(await s.silencedAt(hours(2), { ...inFra, type: 'CPU_HIGH' })).toBe(false);
      expect(await s.silencedAt(hours(2), { ...inFra, resourceAncestryPath: 'region_eu|site_ams' })).toBe(false);
      expect(await s.silencedAt(hours(2), { ...inFra, resourceAncestryPath: null })).toBe(false);
      expect(await s.silencedAt(hours(2), { ...inFra, customerId: 'cus_b' })).toBe(false);
    });

    it('matches by resource_id alone when that is the only matcher', async () => {
      const s = await setup();
      await s.create({ resource_id: 'router-9', ends_at: api(hours(1)) });
      expect(await s.silencedAt(hours(0.5), { resourceId: 'router-9', type: 'ANY' })).toBe(true);
      expect(await s.silencedAt(hours(0.5), { resourceId: 'router-1' })).toBe(false);
    });

    it("matches a recurring silence only inside its windows, and no longer once it is deleted", async () => {
      const s = await setup();
      const created = await s.create({ type: 'LINK_DOWN', schedule: sundayNights });
      expect(await s.silencedAt(new Date('2026-03-08T00:59:00Z'))).toBe(false);
      expect(await s.silencedAt(new Date('2026-03-08T01:00:00Z'))).toBe(true);
      expect(await s.silencedAt(new Date('2026-03-15T02:30:00Z'))).toBe(true);
      expect(await s.silencedAt(new Date('2026-03-15T03:00:00Z'))).toBe(false);
      expect(await s.silencedAt(new Date('2026-03-11T02:00:00Z'))).toBe(false);
      await s.service.delete('cus_a', created.id);
      expect(await s.silencedAt(new Date('2026-03-15T02:30:00Z'))).toBe(false);
    });
  });

  describe('delete', () => {
    it("answers 404 for an unknown, malformed or other tenant's silence", async () => {
      const s = await setup();
      const created = await s.create({ type: 'x', ends_at: api(hours(1)) });
      await expect(s.service.delete('cus_b', created.id)).rejects.toThrow(NotFoundException);
      await expect(s.service.delete('cus_a', 'not-an-id')).rejects.toThrow(NotFoundException);
      await s.service.delete('cus_a', created.id);
      await expect(s.service.delete('cus_a', created.id)).rejects.toThrow(NotFoundException);
    });
  });

  describe('SilenceWindowsService.expandAll', () => {
    it('keeps windows FAULT_SILENCE_HORIZON_DAYS ahead and drops those ended a day ago', async () => {
      const s = await setup(faultConfig({ silenceHorizonDays: 14 }));
      await s.create({ type: 'LINK_DOWN', schedule: sundayNights });
      // Created on Monday 2 March with 14 days ahead: the Sundays 8 and 15 March.
      expect(s.silences.windows.map((w) => w.startsAt.toISOString())).toEqual(['2026-03-08T01:00:00.000Z', '2026-03-15T01:00:00.000Z']);
      // Not due again the same day (expanded to the horizon already).
      expect(await s.windows.expandAll()).toBe(0);
      s.clock.current = new Date('2026-03-10T10:00:00Z');
      expect(await s.windows.expandAll()).toBe(1);
      expect(s.silences.windows.map((w) => w.startsAt.toISOString())).toEqual(['2026-03-15T01:00:00.000Z', '2026-03-22T01:00:00.000Z']);
      expect(await s.silencedAt(new Date('2026-03-22T01:30:00Z'))).toBe(true);
    });
  });
});
