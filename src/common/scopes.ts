/** The scopes of the API (see the contract's Authentication section): shared by auth and its configuration. */
/** Scopes a user session (or a person's API client) can hold. */
export const USER_SCOPES = ['faults:read', 'faults:write', 'faults:delete', 'vault:read', 'vault:write', 'webhooks:read', 'webhooks:write'] as const;
/** Scopes only service-to-service callers hold. */
export const SERVICE_SCOPES = ['faults:ingest', 'vault:use', 'tenants:admin'] as const;

export type UserScope = (typeof USER_SCOPES)[number];
export type ServiceScope = (typeof SERVICE_SCOPES)[number];
export type Scope = UserScope | ServiceScope;
