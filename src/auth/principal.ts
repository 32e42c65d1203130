/**
 * Who is calling, as established by the global guard from a verified token: a discriminated
 * union, so the compiler knows a tenant principal has a tenant and a service principal has none.
 * - user: a person's session from the identity provider, always with a tenant.
 * - dashboard: a read-only dashboard token minted by this service for one tenant.
 * - service: another microservice; carries no tenant (it names one per request).
 */
interface PrincipalBase {
  /** The token's `sub`: user id, service name, or the dashboard token's issuing user. */
  subject: string;
  scopes: ReadonlySet<string>;
  /** The token's `jti`, when it has one. */
  tokenId?: string;
}

export interface UserPrincipal extends PrincipalBase {
  kind: 'user';
  customerId: string;
}

export interface DashboardPrincipal extends PrincipalBase {
  kind: 'dashboard';
  customerId: string;
}

export interface ServicePrincipal extends PrincipalBase {
  kind: 'service';
  customerId: null;
  /**
   * The `customer_ids` claim, the tenants this token may name. Undefined when the claim is absent
   * (any tenant, unless SERVICE_TOKENS_REQUIRE_TENANTS, the production default).
   */
  customerIds?: string[];
}

/** A caller acting inside one tenant: what every tenant-scoped route receives. */
export type TenantPrincipal = UserPrincipal | DashboardPrincipal;

export type Principal = TenantPrincipal | ServicePrincipal;

export type PrincipalKind = Principal['kind'];
