import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AuthConfig } from '../config/auth.config';
import { OffboardedTenants } from './offboarded-tenants';
import { Principal } from './principal';

/**
 * Whether a service token may name a tenant in its request: a token carrying
 * `customer_ids` may name only those; with SERVICE_TOKENS_REQUIRE_TENANTS (the
 * production default) a token without the claim may name none. Users and
 * dashboards never name one. Every operation a service token can call goes
 * through here: resolve, verify, ingest, resolve-faults, offboarding.
 */
@Injectable()
export class TenantAccess {
  constructor(
    private readonly config: AuthConfig,
    private readonly offboarded: OffboardedTenants,
  ) {}

  /** A service call naming an offboarded tenant: 404, as for a tenant that does not exist (and nothing is written for it). */
  assertNotOffboarded(customerId: string): void {
    if (this.offboarded.has(customerId)) throw new NotFoundException(`Tenant ${customerId} has been offboarded`);
  }

  isOffboarded(customerId: string): boolean {
    return this.offboarded.has(customerId);
  }

  /** Null when allowed, else the reason (safe to show: it names only the caller's own token). */
  refusal(principal: Principal, customerId: string): string | null {
    if (principal.kind !== 'service') return null;
    if (principal.customerIds === undefined) {
      return this.config.serviceTokensRequireTenants ? 'Service tokens must carry a customer_ids claim naming the tenants they may act for' : null;
    }
    return principal.customerIds.includes(customerId) ? null : 'This service token may not act for that tenant (customer_ids)';
  }

  /**
   * Calls that name no tenant but find one (API-key verification): a service token must still be
   * scoped when SERVICE_TOKENS_REQUIRE_TENANTS is on (403 otherwise).
   */
  assertScoped(principal: Principal): void {
    if (principal.kind === 'service' && principal.customerIds === undefined && this.config.serviceTokensRequireTenants) {
      throw new ForbiddenException('Service tokens must carry a customer_ids claim naming the tenants they may act for');
    }
  }

  /**
   * The tenants whose data the caller may find, for lookups that are not tenant-scoped by the
   * request (a key, a code): a service token's `customer_ids`, or null for any. A row of another
   * tenant is then treated exactly as one that does not exist.
   */
  visibleTenants(principal: Principal): readonly string[] | null {
    if (principal.kind !== 'service') return principal.customerId === null ? [] : [principal.customerId];
    return principal.customerIds ?? null;
  }

  assertMayName(principal: Principal, customerId: string, options: { offboardedToo?: boolean } = {}): void {
    // The caller's own limits first: a token that may not name the tenant learns nothing about it.
    const reason = this.refusal(principal, customerId);
    if (reason !== null) throw new ForbiddenException(reason);
    if (options.offboardedToo !== true) this.assertNotOffboarded(customerId);
  }
}
