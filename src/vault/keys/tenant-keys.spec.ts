import { randomBytes } from 'node:crypto';
import { EnvelopeCrypto, EnvelopeError } from '../../kms/envelope';
import { LocalKeyRingProvider } from '../../kms/local-key-ring.provider';
import { KeyContext, WrappedKey } from '../../kms/kms-provider.interface';
import { StoredTenantKey, TenantKeyRepository } from './tenant-key.repository';
import { TenantKeyDestroyedError, TenantKeyStore } from './tenant-keys';

/** The repository's contract in memory: one row per tenant, first insert wins. */
class MemoryTenantKeys {
  rows = new Map<string, StoredTenantKey>();
  async find(customerId: string): Promise<StoredTenantKey | null> {
    return this.rows.get(customerId) ?? null;
  }
  async insertIfAbsent(customerId: string, keyId: string, wrapped: WrappedKey): Promise<StoredTenantKey> {
    if (!this.rows.has(customerId)) this.rows.set(customerId, { customerId, keyId, wrapped, destroyedAt: null });
    return this.rows.get(customerId)!;
  }
}

describe('TenantKeyStore', () => {
  const setup = (options: { ttlMs?: number; maxEntries?: number } = {}) => {
    const kms = new LocalKeyRingProvider([{ id: 'k1', material: randomBytes(32) }]);
    const calls = { unwrap: 0, wrap: 0 };
    const counted = Object.assign(Object.create(kms) as LocalKeyRingProvider, {
      unwrapKey: (w: WrappedKey, c: KeyContext) => (calls.unwrap++, kms.unwrapKey(w, c)),
      wrapKey: (p: Buffer, c: KeyContext) => (calls.wrap++, kms.wrapKey(p, c)),
    });
    const repo = new MemoryTenantKeys();
    let now = 1_000_000;
    const store = new TenantKeyStore(repo as unknown as TenantKeyRepository, counted, { ttlMs: options.ttlMs ?? 60_000, maxEntries: options.maxEntries ?? 10, now: () => now });
    return { store, repo, calls, envelope: new EnvelopeCrypto(counted), advance: (ms: number) => (now += ms) };
  };

  it('creates one key per tenant, even for concurrent first writes, and unwraps it once for many values', async () => {
    const { store, repo, calls, envelope } = setup();
    const keys = await Promise.all([store.forWrite('cus_a'), store.forWrite('cus_a'), store.forWrite('cus_a')]);
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(repo.rows.size).toBe(1);
    const sealed = Array.from({ length: 100 }, (_, i) => envelope.sealWithTenantKey(`v${i}`, { tenant: 'cus_a', item: `vlt_${i}`, version: 1 }, keys[0]));
    const opened = await Promise.all(sealed.map((s, i) => envelope.open(s, { tenant: 'cus_a', item: `vlt_${i}`, version: 1 }, (t, id) => store.forRead(t, id))));
    expect(opened[42]).toBe('v42');
    expect(calls).toEqual({ wrap: 1, unwrap: 1 });
  });

  it('fails closed across tenants, items and versions', async () => {
    const { store, envelope } = setup();
    const a = await store.forWrite('cus_a');
    await store.forWrite('cus_b');
    const sealed = envelope.sealWithTenantKey('v', { tenant: 'cus_a', item: 'vlt_1', version: 2 }, a);
    const lookup = (t: string, id: string) => store.forRead(t, id);
    await expect(envelope.open(sealed, { tenant: 'cus_b', item: 'vlt_1', version: 2 }, lookup)).rejects.toThrow(EnvelopeError);
    await expect(envelope.open(sealed, { tenant: 'cus_a', item: 'vlt_2', version: 2 }, lookup)).rejects.toThrow(EnvelopeError);
    await expect(envelope.open(sealed, { tenant: 'cus_a', item: 'vlt_1', version: 1 }, lookup)).rejects.toThrow(EnvelopeError);
    await expect(envelope.open(sealed, { tenant: 'cus_a', item: 'vlt_1', version: 2 })).rejects.toThrow(EnvelopeError);
    expect(await envelope.open(sealed, { tenant: 'cus_a', item: 'vlt_1', version: 2 }, lookup)).toBe('v');
  });

  it('keeps keys briefly and bounded, zeroes what it forgets, and drops a tenant at once', async () => {
    const { store, repo, calls, advance } = setup({ ttlMs: 1000, maxEntries: 2 });
    const a = await store.forWrite('cus_a');
    await store.forWrite('cus_b');
    await store.forWrite('cus_c'); // evicts cus_a, the oldest
    expect(store.size).toBe(2);
    expect(a.material.equals(Buffer.alloc(32))).toBe(true);
    advance(1001);
    store.sweep();
    expect(store.size).toBe(0);
    const again = await store.forRead('cus_a', a.keyId);
    expect(calls.unwrap).toBe(4);
    store.drop('cus_a');
    expect(again.material.equals(Buffer.alloc(32))).toBe(true);
    // Destroyed: nothing opens and nothing new is written.
    repo.rows.set('cus_a', { ...repo.rows.get('cus_a')!, wrapped: null, destroyedAt: new Date() });
    await expect(store.forRead('cus_a', a.keyId)).rejects.toThrow(TenantKeyDestroyedError);
    await expect(store.forWrite('cus_a')).rejects.toThrow(TenantKeyDestroyedError);
  });
});
