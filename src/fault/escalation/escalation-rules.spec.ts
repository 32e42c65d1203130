import { EscalationCandidate, dueStep, policyProblems } from './escalation-rules';

const base = new Date(Date.UTC(2026, 0, 1));
const minutes = (m: number): Date => new Date(base.getTime() + m * 60_000);
const policy = { minSeverity: 'HIGH' as const, afterMinutes: [15, 60, 240] };
const fault = (over: Partial<EscalationCandidate> = {}): EscalationCandidate => ({
  status: 'unresolved', severity: 'HIGH', acknowledged: false, silenced: false, rootFaultId: null, step: 0, baseAt: base, ...over,
});

describe('escalation rules', () => {
  it('falls due step by step', () => {
    expect(dueStep(policy, fault(), minutes(14))).toBeNull();
    expect(dueStep(policy, fault(), minutes(15))).toEqual({ step: 1, afterMinutes: 15 });
    expect(dueStep(policy, fault({ step: 1 }), minutes(59))).toBeNull();
    expect(dueStep(policy, fault({ step: 1 }), minutes(60))).toEqual({ step: 2, afterMinutes: 60 });
    expect(dueStep(policy, fault({ step: 3 }), minutes(10_000))).toBeNull();
  });

  it('skips acknowledged, resolved, silenced, symptom and less severe faults', () => {
    for (const over of [{ acknowledged: true }, { status: 'resolved' as const }, { silenced: true }, { rootFaultId: 'flt_root' }, { severity: 'MEDIUM' as const }, { severity: 'WARNING' as const }]) {
      expect(dueStep(policy, fault(over), minutes(1000))).toBeNull();
    }
    expect(dueStep(policy, fault({ severity: 'CRITICAL' }), minutes(15))?.step).toBe(1);
  });

  it('counts from the reopen', () => {
    expect(dueStep(policy, fault({ baseAt: minutes(100) }), minutes(110))).toBeNull();
    expect(dueStep(policy, fault({ baseAt: minutes(100) }), minutes(115))?.step).toBe(1);
  });

  it('is off with no steps', () => {
    expect(dueStep({ ...policy, afterMinutes: [] }, fault(), minutes(10_000))).toBeNull();
  });

  it('validates the steps', () => {
    expect(policyProblems([])).toEqual([]);
    expect(policyProblems([15, 60, 240])).toEqual([]);
    expect(policyProblems([15, 15])).toEqual(['after_minutes must be strictly increasing']);
    expect(policyProblems([0])).toEqual(['after_minutes must be whole minutes from 1 to 10080']);
    expect(policyProblems([10_081])).toHaveLength(1);
    expect(policyProblems([1, 2, 3, 4, 5, 6])).toEqual(['after_minutes must have at most 5 steps']);
  });
});
