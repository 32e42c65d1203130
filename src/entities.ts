import { EVENT_ENTITIES } from './events/entities';
import { FAULT_ENTITIES } from './fault/entities';
import { KMS_ENTITIES } from './kms/kms-key-check.entity';
import { TENANT_ENTITIES } from './tenants/entities/tenant-offboarding.entity';
import { VAULT_ENTITIES } from './vault/entities';
import { WEBHOOK_ENTITIES } from './webhooks/entities';

/**
 * Every TypeORM entity of the service: the lists its modules register with
 * `TypeOrmModule.forFeature`, gathered for what runs without the Nest application
 * (the CLIs, `ormconfig.ts`, tests, benchmarks). A feature with tables adds its list
 * to its module and here (and a migration).
 */
export const ENTITIES: Function[] = [...FAULT_ENTITIES, ...KMS_ENTITIES, ...VAULT_ENTITIES, ...TENANT_ENTITIES, ...EVENT_ENTITIES, ...WEBHOOK_ENTITIES];
