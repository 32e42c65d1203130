import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { AuthConfig } from '../config/auth.config';
import { OffboardedTenants } from './offboarded-tenants';
import { Principal, ServicePrincipal } from './principal';
import { TenantAccess } from './tenant-access';

/** The tenant rules of service tokens, without a token or a request: the principal is built by hand. */
describe('TenantAccess', () => {
  const access = (requireTenants: boolean, offboarded: string[] = []): TenantAccess => {
    const tenants = new OffboardedTenants();
    for (const id of offboarded) tenants.add(id);
    return new TenantAccess({ serviceTokensRequireTenants: requireTenants } as AuthConfig, tenants);
  };
  const service = (customerIds?: string[]): ServicePrincipal => ({ kind: 'service', subject: 'svc', customerId: null, scopes: new Set(), ...(customerIds ? { customerIds } : {}) });
  const user: Principal = { kind: 'user', subject: 'u1', customerId: 'cus_a', scopes: new Set() };
  const dashboard: Principal = { kind: 'dashboard', subject: 'u1', customerId: 'cus_a', scopes: new Set() };

  describe('refusal / assertMayName', () => {
    it('lets a token with customer_ids name exactly those tenants, with or without the requirement', () => {
      for (const required of [true, false]) {
        const rules = access(required);
        expect(rules.refusal(service(['cus_a', 'cus_b']), 'cus_b')).toBeNull();
        expect(rules.refusal(service(['cus_a']), 'cus_b')).toBe('This service token may not act for that tenant (customer_ids)');
        expect(() => rules.assertMayName(service(['cus_a']), 'cus_a')).not.toThrow();
        expect(() => rules.assertMayName(service(['cus_a']), 'cus_b')).toThrow(ForbiddenException);
      }
    });

    it('refuses a token without customer_ids only when SERVICE_TOKENS_REQUIRE_TENANTS is on', () => {
      expect(access(true).refusal(service(), 'cus_a')).toMatch(/must carry a customer_ids claim/);
      expect(() => access(true).assertMayName(service(), 'cus_a')).toThrow(ForbiddenException);
      expect(access(false).refusal(service(), 'cus_a')).toBeNull();
      expect(() => access(false).assertMayName(service(), 'cus_any')).not.toThrow();
    });

    it('never refuses users and dashboards (they act in their own tenant)', () => {
      expect(access(true).refusal(user, 'cus_other')).toBeNull();
      expect(access(true).refusal(dashboard, 'cus_other')).toBeNull();
    });

    it('answers 404 for an offboarded tenant, but only after the token may name it', () => {
      const rules = access(true, ['cus_gone']);
      expect(() => rules.assertMayName(service(['cus_gone']), 'cus_gone')).toThrow(NotFoundException);
      // A token that may not name the tenant learns nothing about it: 403, not 404.
      expect(() => rules.assertMayName(service(['cus_a']), 'cus_gone')).toThrow(ForbiddenException);
      expect(() => rules.assertMayName(service(), 'cus_gone')).toThrow(ForbiddenException);
      expect(() => rules.assertMayName(service(['cus_gone']), 'cus_gone', { offboardedToo: true })).not.toThrow();
      expect(rules.isOffboarded('cus_gone')).toBe(true);
      expect(rules.isOffboarded('cus_a')).toBe(false);
    });
  });

  describe('assertScoped', () => {
    it('refuses an unscoped service token only when tenants are required', () => {
      expect(() => access(true).assertScoped(service())).toThrow(ForbiddenException);
      expect(() => access(true).assertScoped(service(['cus_a']))).not.toThrow();
      expect(() => access(false).assertScoped(service())).not.toThrow();
      expect(() => access(true).assertScoped(user)).not.toThrow();
      expect(() => access(true).assertScoped(dashboard)).not.toThrow();
    });
  });

  describe('visibleTenants', () => {
    it("is a service token's customer_ids, or null (any) without the claim", () => {
      expect(access(true).visibleTenants(service(['cus_a', 'cus_b']))).toEqual(['cus_a', 'cus_b']);
      expect(access(false).visibleTenants(service())).toBeNull();
    });

    it('is the own tenant of users and dashboards', () => {
      expect(access(true).visibleTenants(user)).toEqual(['cus_a']);
      expect(access(true).visibleTenants(dashboard)).toEqual(['cus_a']);
    });
  });
});
