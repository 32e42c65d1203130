import { BadRequestException, ForbiddenException } from '@nestjs/common';
import { Principal } from '../../auth/principal';
import { FakeClock } from '../../../test/support/fake-clock';
import { fakeFaultLifecycle, faultConfig } from '../../../test/support/fakes/fault-lifecycle';
import { FAKE_MANAGER, faultDraft } from '../../../test/support/fakes/fault-store';
import { FaultEntity } from '../entities/fault.entity';

/**
 * The decisions of a report and a resolve, over an in-memory fault store: merge into the open
 * fault with the key (occurred), reopen the newest fault with the key when it was resolved within
 * FAULT_REOPEN_WINDOW_SECONDS (reopened), else create. The merge itself (occurrences, severity
 * raised to the higher) is one SQL statement of FaultReportRepository; the fake mirrors it, and the
 * e2e suites test the SQL.
 */
describe('FaultLifecycleService', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);
  const setup = (reopenWindowSeconds = 300) => {
    const clock = new FakeClock(t0);
    return { clock, ...fakeFaultLifecycle({ clock, config: faultConfig({ reopenWindowSeconds }) }) };
  };
  const report = (s: ReturnType<typeof setup>, over: Partial<FaultEntity>) => s.service.report(FAKE_MANAGER, faultDraft(over));
  const user: Principal = { kind: 'user', subject: 'u1', customerId: 'cus_a', scopes: new Set() };

  describe('report', () => {
    it('creates a fault for every report without a dedup_key', async () => {
      const s = setup();
      expect((await report(s, { createdAt: at(0) })).outcome).toBe('created');
      expect((await report(s, { createdAt: at(1) })).outcome).toBe('created');
      expect(s.store.all()).toHaveLength(2);
    });

    it('merges a repeat into the open fault with the key: occurred, counted, severity only raised', async () => {
      const s = setup();
      const first = await report(s, { dedupKey: 'k', severity: 'MEDIUM', createdAt: at(0) });
      const raised = await report(s, { dedupKey: 'k', severity: 'CRITICAL', createdAt: at(10) });
      const lower = await report(s, { dedupKey: 'k', severity: 'LOW', createdAt: at(20) });
      expect([first.outcome, raised.outcome, lower.outcome]).toEqual(['created', 'occurred', 'occurred']);
      expect(lower.fault).toMatchObject({ id: first.fault.id, occurrences: 3, severity: 'CRITICAL', lastOccurredAt: at(20) });
      // A merge is one statement: no reopen, no correlation of the repeat.
      expect(s.reopens).toEqual([]);
      expect(s.correlated).toEqual([first.fault.id]);
      expect(s.store.all()).toHaveLength(1);
    });

    it('keeps keys apart by tenant', async () => {
      const s = setup();
      await report(s, { dedupKey: 'k', createdAt: at(0) });
      expect((await report(s, { dedupKey: 'k', customerId: 'cus_b', createdAt: at(1) })).outcome).toBe('created');
    });

    it('reopens the fault resolved within the window instead of creating one, and counts the reopen', async () => {
      const s = setup(300);
      const first = await report(s, { dedupKey: 'k', severity: 'HIGH', createdAt: at(0) });
      s.clock.current = at(100);
      await s.service.resolveMatching(user, { dedup_key: 'k' });
      const again = await report(s, { dedupKey: 'k', severity: 'LOW', createdAt: at(399) });
      expect(again.outcome).toBe('reopened');
      expect(again.fault).toMatchObject({ id: first.fault.id, status: 'unresolved', resolvedAt: null, occurrences: 2, severity: 'HIGH' });
      expect(s.store.all().map((f) => f.id)).toEqual([first.fault.id]);
      expect(s.reopens).toEqual([{ faultId: first.fault.id, at: at(399) }]);
    });

    it('creates a new fault once the window has passed (the boundary itself is outside)', async () => {
      const s = setup(300);
      const first = await report(s, { dedupKey: 'k', createdAt: at(0) });
      s.clock.current = at(100);
      await s.service.resolveMatching(user, { dedup_key: 'k' });
      const again = await report(s, { dedupKey: 'k', createdAt: at(400) });
      expect(again.outcome).toBe('created');
      expect(again.fault.id).not.toBe(first.fault.id);
      expect(s.reopens).toEqual([]);
      expect(s.store.get(first.fault.id)?.status).toBe('resolved');
    });

    it('never reopens with FAULT_REOPEN_WINDOW_SECONDS=0', async () => {
      const s = setup(0);
      await report(s, { dedupKey: 'k', createdAt: at(0) });
      s.clock.current = at(1);
      await s.service.resolveMatching(user, { dedup_key: 'k' });
      expect((await report(s, { dedupKey: 'k', createdAt: at(1) })).outcome).toBe('created');
    });
  });

  describe('tenantOf', () => {
    const service = (customerIds?: string[]): Principal => ({ kind: 'service', subject: 'svc', customerId: null, scopes: new Set(), ...(customerIds ? { customerIds } : {}) });

    it("takes a user's tenant from the token and refuses a customer_id beside it", () => {
      const s = setup();
      expect(s.service.tenantOf(user, undefined, 'reports')).toBe('cus_a');
      expect(() => s.service.tenantOf(user, 'cus_a', 'reports')).toThrow(BadRequestException);
    });

    it('requires a service token to name a tenant it may name', () => {
      const s = setup();
      expect(() => s.service.tenantOf(service(['cus_a']), undefined, 'reports')).toThrow('customer_id is required when a service token reports');
      expect(s.service.tenantOf(service(['cus_a']), 'cus_a', 'reports')).toBe('cus_a');
      expect(() => s.service.tenantOf(service(['cus_a']), 'cus_b', 'reports')).toThrow(ForbiddenException);
      expect(() => s.service.tenantOf(service(), 'cus_a', 'reports')).toThrow(ForbiddenException);
    });
  });

  describe('resolveMatching', () => {
    it('needs either dedup_key, or resource_id and type', async () => {
      const s = setup();
      for (const dto of [{}, { dedup_key: 'k', resource_id: 'r', type: 't' }, { resource_id: 'r' }, { type: 't' }, { dedup_key: 'k', type: 't' }]) {
        await expect(s.service.resolveMatching(user, dto)).rejects.toThrow('Send either dedup_key, or resource_id and type');
      }
    });

    it("resolves the tenant's open faults that match, at the clock's time, and announces each", async () => {
      const s = setup();
      const a = await report(s, { resourceId: 'r1', type: 'LINK_DOWN', createdAt: at(0) });
      const b = await report(s, { resourceId: 'r1', type: 'LINK_DOWN', createdAt: at(1) });
      await report(s, { resourceId: 'r1', type: 'CPU_HIGH', createdAt: at(2) });
      await report(s, { resourceId: 'r1', type: 'LINK_DOWN', customerId: 'cus_b', createdAt: at(3) });
      s.clock.current = at(60);
      const result = await s.service.resolveMatching(user, { resource_id: 'r1', type: 'LINK_DOWN' });
      expect(result.resolved).toBe(2);
      expect(result.data.map((f) => f.id)).toEqual([b.fault.id, a.fault.id]);
      expect(s.store.get(a.fault.id)).toMatchObject({ status: 'resolved', resolvedAt: at(60) });
      expect(s.events.map((e) => e.type)).toEqual(['fault.resolved', 'fault.resolved']);
      expect((await s.service.resolveMatching(user, { resource_id: 'r1', type: 'LINK_DOWN' })).resolved).toBe(0);
    });
  });
});
