import { EVENT_ENTITIES } from '../events/entities';
import { FAULT_ENTITIES } from '../fault/entities';
import { KMS_ENTITIES } from '../kms/kms-key-check.entity';
import { TENANT_ENTITIES } from '../tenants/entities/tenant-offboarding.entity';
import { VAULT_ENTITIES } from '../vault/entities';
import { WEBHOOK_ENTITIES } from '../webhooks/entities';

/**
 * Every TypeORM entity of the service, one list per feature module.
 * A feature adds its list here when it adds tables (and a migration).
 */
export const ENTITIES: Function[] = [...FAULT_ENTITIES, ...KMS_ENTITIES, ...VAULT_ENTITIES, ...TENANT_ENTITIES, ...EVENT_ENTITIES, ...WEBHOOK_ENTITIES];
