import { AdoptionCandidate, chooseRoot, properAncestors, shouldAdopt } from './correlation-rules';

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('correlation rules', () => {
  const path = 'site_a|rack_b|dev_c';

  it('takes every path segment but the resource itself as a proper ancestor', () => {
    expect(properAncestors(path, 'dev_c')).toEqual(['site_a', 'rack_b']);
    expect(properAncestors('site_a', 'site_a')).toEqual([]);
    expect(properAncestors(null, 'dev_c')).toEqual([]);
  });

  it('roots a fault at the nearest ancestor, the oldest fault there', () => {
    const site = { id: 'flt_site', resourceId: 'site_a', createdAt: at(0) };
    const rackNew = { id: 'flt_rack2', resourceId: 'rack_b', createdAt: at(5) };
    const rackOld = { id: 'flt_rack1', resourceId: 'rack_b', createdAt: at(3) };
    expect(chooseRoot(path, 'dev_c', [site, rackNew, rackOld])?.id).toBe('flt_rack1');
    expect(chooseRoot(path, 'dev_c', [site])?.id).toBe('flt_site');
    expect(chooseRoot(path, 'dev_c', [{ id: 'flt_self', resourceId: 'dev_c', createdAt: at(0) }])).toBeNull();
    expect(chooseRoot(path, 'dev_c', [])).toBeNull();
  });

  it('breaks a tie in age by id', () => {
    const a = { id: 'flt_a', resourceId: 'site_a', createdAt: at(1) };
    const b = { id: 'flt_b', resourceId: 'site_a', createdAt: at(1) };
    expect(chooseRoot(path, 'dev_c', [b, a])?.id).toBe('flt_a');
  });

  const candidate = (rootResourceId: string | null, rootStatus: string | null = 'unresolved'): AdoptionCandidate => ({
    id: 'flt_dev',
    resourceAncestryPath: path,
    rootFaultId: rootResourceId === null ? null : 'flt_root',
    rootResourceId,
    rootStatus,
  });

  it('adopts faults without a root, or with a root farther up', () => {
    expect(shouldAdopt('rack_b', candidate(null))).toBe(true);
    expect(shouldAdopt('rack_b', candidate('site_a'))).toBe(true);
  });

  it('leaves a nearer root, and an open root on the same resource, alone', () => {
    expect(shouldAdopt('site_a', candidate('rack_b'))).toBe(false);
    expect(shouldAdopt('site_a', candidate('site_a'))).toBe(false);
    expect(shouldAdopt('site_a', candidate('site_a', 'resolved'))).toBe(true);
  });
});
