import { VAULT_ITEM_FIELDS, toVaultItemDto } from './vault-item.dto';

describe('VaultItemDto field list', () => {
  it('is the fields toVaultItemDto writes, in its order (the list built by the database follows it)', () => {
    const at = new Date('2026-12-07T10:00:00.123Z');
    const dto = toVaultItemDto({ id: 'vlt_1', name: 'n', kind: 'password', version: 2, createdAt: at, updatedAt: at, expiresAt: null, lastUsedAt: at } as never);
    expect(Object.keys(dto)).toEqual(Object.keys(VAULT_ITEM_FIELDS));
    for (const [field, format] of Object.entries(VAULT_ITEM_FIELDS)) {
      const value = dto[field as keyof typeof dto];
      if (format === 'timestamp' && value !== null) expect(value).toBe('2026-12-07T10:00:00.123000Z');
    }
  });
});
