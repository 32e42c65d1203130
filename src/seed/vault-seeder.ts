import { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Principal } from '../auth/principal';
import { USER_SCOPES } from '../common/scopes';
import { VaultItemsService } from '../vault';

/**
 * Creates vault items through the vault service itself, so each value is
 * sealed exactly as in production (envelope encryption, the configured KMS
 * provider) and audited as created by `user:seed`. Names are
 * `seed-secret-00000` …; existing ones are kept, so a rerun tops up.
 */
export async function seedVaultItems(
  app: INestApplicationContext,
  dataSource: DataSource,
  customerId: string,
  total: number,
  progress?: (done: number, total: number) => void,
): Promise<number> {
  const vault = app.get(VaultItemsService);
  const principal: Principal = { kind: 'user', subject: 'seed', customerId, scopes: new Set(USER_SCOPES) };
  const existing = new Set(
    (await dataSource.query<Array<{ name: string }>>(`SELECT name FROM vault_item WHERE customer_id = $1 AND name LIKE 'seed-secret-%'`, [customerId])).map((r) => r.name),
  );
  let created = 0;
  for (let i = 0; i < total; i++) {
    const name = `seed-secret-${String(i).padStart(5, '0')}`;
    if (existing.has(name)) continue;
    await vault.create(principal, { name, secret: randomBytes(24).toString('base64url') });
    created++;
    progress?.(existing.size + created, total);
  }
  return created;
}
