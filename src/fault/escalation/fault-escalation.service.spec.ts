import { Test } from '@nestjs/testing';
import { TenantPrincipal } from '../../auth/principal';
import { Clock } from '../../common/clock';
import { ValidationFailedException } from '../../common/validation';
import { FaultConfig } from '../../config/fault.config';
import { JobQueue } from '../../jobs/job-queue';
import { FakeClock } from '../../../test/support/fake-clock';
import { FakeFaultEscalationRepository } from '../../../test/support/fakes/fake-fault-escalation.repository';
import { FakeJobQueue } from '../../../test/support/fakes/fake-job-queue';
import { fakeFaultLifecycle, faultConfig } from '../../../test/support/fakes/fault-lifecycle';
import { FAKE_MANAGER, FakeFaultStore, faultDraft } from '../../../test/support/fakes/fault-store';
import { RecordingAnnouncer } from '../../../test/support/fakes/recording-announcer';
import { FaultAnnouncer } from '../core/fault-announcer';
import { FaultLifecycleRepository } from '../core/fault-lifecycle.repository';
import { FaultEntity } from '../entities/fault.entity';
import { FaultSweeps } from '../scheduled-sweep';
import { FaultEscalationRepository } from './fault-escalation.repository';
import { FaultEscalationService } from './fault-escalation.service';

/**
 * Escalation through FaultEscalationService's public methods (put, get, escalateDue),
 * over the in-memory fault store: reports, acknowledgements and resolves go through
 * FaultLifecycleService on the same store, the clock is moved by hand. Which step is due is the
 * rule of escalation-rules.ts (its own spec); here: the sweep announces each step once, in order,
 * and acknowledge/resolve stop it, a reopen starts it again.
 */
describe('FaultEscalationService', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const minutes = (m: number): Date => new Date(t0.getTime() + m * 60_000);
  const user: TenantPrincipal = { kind: 'user', subject: 'u1', customerId: 'cus_a', scopes: new Set() };

  const setup = async (config: FaultConfig = faultConfig()) => {
    const clock = new FakeClock(t0);
    const store = new FakeFaultStore();
    const repository = new FakeFaultEscalationRepository(store);
    const lifecycle = fakeFaultLifecycle({ store, clock, config });
    const announcer = new RecordingAnnouncer();
    const jobs = new FakeJobQueue();
    // Through Nest's injector with every repository and the job queue replaced (FaultSweeps is the real
    // one): the service's constructor may change without this spec knowing its order.
    const moduleRef = await Test.createTestingModule({
      providers: [
        FaultEscalationService,
        FaultSweeps,
        { provide: FaultEscalationRepository, useValue: repository },
        { provide: FaultLifecycleRepository, useValue: lifecycle.faults },
        { provide: FaultAnnouncer, useValue: announcer },
        { provide: JobQueue, useValue: jobs },
        { provide: Clock, useValue: clock },
        { provide: FaultConfig, useValue: config },
      ],
    }).compile();
    const service = moduleRef.get(FaultEscalationService);
    const report = async (over: Partial<FaultEntity> = {}): Promise<FaultEntity> =>
      (await lifecycle.service.report(FAKE_MANAGER, faultDraft({ createdAt: clock.now(), ...over }))).fault;
    /** Moves the clock and runs one sweep; answers the steps it announced as [fault id, step]. */
    const sweepAt = async (at: Date): Promise<Array<[string, unknown]>> => {
      clock.current = at;
      const before = announcer.announced.length;
      const count = await service.escalateDue();
      const announced = announcer.announced.slice(before);
      expect(announced).toHaveLength(count);
      return announced.map((a) => [a.faultId, a.details.step]);
    };
    return { clock, store, repository, lifecycle, announcer, jobs, service, report, sweepAt };
  };

  const withPolicy = async (afterMinutes = [15, 60], minSeverity: FaultEntity['severity'] = 'HIGH') => {
    const s = await setup();
    await s.service.put(user, { min_severity: minSeverity, after_minutes: afterMinutes });
    return s;
  };

  describe('policy', () => {
    it('stores a valid policy and answers it; refuses invalid steps without storing them', async () => {
      const s = await setup();
      expect(await s.service.get('cus_a')).toEqual({ min_severity: 'HIGH', after_minutes: [], updated_by: null, updated_at: null });
      await s.service.put(user, { min_severity: 'MEDIUM', after_minutes: [5, 30] });
      expect(await s.service.get('cus_a')).toMatchObject({ min_severity: 'MEDIUM', after_minutes: [5, 30], updated_by: 'u1', updated_at: '2026-01-01T00:00:00.000000Z' });
      await expect(s.service.put(user, { min_severity: 'HIGH', after_minutes: [30, 5] })).rejects.toThrow(ValidationFailedException);
      expect((await s.service.get('cus_a')).after_minutes).toEqual([5, 30]);
    });

    it('sweeps on FAULT_INTELLIGENCE_SCHEDULE through the job queue', async () => {
      const s = await setup(faultConfig({ intelligenceSchedule: '*/2 * * * *' }));
      expect(s.jobs.schedules).toEqual([['fault-escalation', '*/2 * * * *']]);
      expect(s.jobs.workers.map((w) => w.queue.name)).toEqual(['fault-escalation']);
    });
  });

  describe('steps', () => {
    it('announces each step once when it falls due, in order, then no more', async () => {
      const s = await withPolicy([15, 60]);
      const fault = await s.report();
      expect(await s.sweepAt(minutes(14))).toEqual([]);
      expect(await s.sweepAt(minutes(15))).toEqual([[fault.id, 1]]);
      expect(await s.sweepAt(minutes(16))).toEqual([]);
      expect(await s.sweepAt(minutes(59))).toEqual([]);
      expect(await s.sweepAt(minutes(60))).toEqual([[fault.id, 2]]);
      expect(await s.sweepAt(minutes(10_000))).toEqual([]);
      expect(s.announcer.announced.map((a) => ({ type: a.type, kind: a.kind, actor: a.actor, eventData: a.eventData }))).toEqual([
        { type: 'fault.escalated', kind: 'escalated', actor: 'system', eventData: { step: 1, after_minutes: 15 } },
        { type: 'fault.escalated', kind: 'escalated', actor: 'system', eventData: { step: 2, after_minutes: 60 } },
      ]);
    });

    it('announces one step per sweep when the sweep comes late', async () => {
      const s = await withPolicy([15, 60]);
      const fault = await s.report();
      expect(await s.sweepAt(minutes(120))).toEqual([[fault.id, 1]]);
      expect(await s.sweepAt(minutes(120))).toEqual([[fault.id, 2]]);
    });

    it('escalates nothing without a policy, or below its severity, or silenced', async () => {
      const s = await withPolicy([15], 'HIGH');
      await s.report({ severity: 'MEDIUM' });
      await s.report({ customerId: 'cus_no_policy', severity: 'CRITICAL' });
      s.lifecycle.reports.silences = () => true;
      await s.report({ severity: 'CRITICAL' });
      expect(await s.sweepAt(minutes(1000))).toEqual([]);
    });

    it('is stopped by an acknowledgement', async () => {
      const s = await withPolicy([15, 60]);
      const fault = await s.report();
      expect(await s.sweepAt(minutes(15))).toEqual([[fault.id, 1]]);
      await s.lifecycle.service.bulk(user, { ids: [fault.id], action: 'acknowledge' });
      expect(await s.sweepAt(minutes(1000))).toEqual([]);
    });

    it('is stopped by a resolve', async () => {
      const s = await withPolicy([15]);
      const fault = await s.report({ dedupKey: 'k' });
      s.clock.current = minutes(10);
      await s.lifecycle.service.resolveMatching(user, { dedup_key: 'k' });
      expect(await s.sweepAt(minutes(1000))).toEqual([]);
      expect(s.store.get(fault.id)?.escalationStep).toBe(0);
    });

    it('starts again from the first step, counted from the reopen', async () => {
      const s = await withPolicy([15, 60]);
      const fault = await s.report({ dedupKey: 'k' });
      expect(await s.sweepAt(minutes(15))).toEqual([[fault.id, 1]]);
      await s.lifecycle.service.bulk(user, { ids: [fault.id], action: 'acknowledge' });
      s.clock.current = minutes(20);
      await s.lifecycle.service.resolveMatching(user, { dedup_key: 'k' });
      s.clock.current = minutes(22);
      expect((await s.lifecycle.service.report(FAKE_MANAGER, faultDraft({ dedupKey: 'k', createdAt: minutes(22) }))).outcome).toBe('reopened');
      expect(await s.sweepAt(minutes(36))).toEqual([]);
      expect(await s.sweepAt(minutes(37))).toEqual([[fault.id, 1]]);
      expect(await s.sweepAt(minutes(82))).toEqual([[fault.id, 2]]);
    });

    it('claims in batches until one comes back short', async () => {
      const s = await withPolicy([15]);
      for (let i = 0; i < 501; i++) await s.report();
      expect(await s.sweepAt(minutes(15))).toHaveLength(501);
      expect(s.repository.claims.map((c) => c.batch)).toEqual([500, 500]);
    });
  });
});
