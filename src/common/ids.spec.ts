import { FAULT_ID_PATTERN, VAULT_ID_PATTERN, newFaultId, newVaultId } from './ids';

describe('ids', () => {
  it('makes fault ids of the reference format that sort by creation second', () => {
    const early = newFaultId(new Date('2025-01-01T00:00:00Z'), Buffer.alloc(16, 0xff));
    const late = newFaultId(new Date('2025-01-01T00:00:01Z'), Buffer.alloc(16, 0x00));
    expect(early).toMatch(FAULT_ID_PATTERN);
    expect(late).toMatch(FAULT_ID_PATTERN);
    expect(early < late).toBe(true);
  });

  it('makes vault ids of the reference format that sort by creation millisecond', () => {
    const early = newVaultId(new Date(1_700_000_000_000), Buffer.alloc(10, 0xff));
    const late = newVaultId(new Date(1_700_000_000_001), Buffer.alloc(10, 0x00));
    expect(early).toMatch(VAULT_ID_PATTERN);
    expect(late).toMatch(VAULT_ID_PATTERN);
    expect(early < late).toBe(true);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newFaultId()));
    expect(ids.size).toBe(1000);
  });
});
