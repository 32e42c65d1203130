import { FAULT_ENTITIES } from '../fault/entities';

/**
 * Every TypeORM entity of the service, one list per feature module.
 * A feature adds its list here when it adds tables (and a migration).
 */
export const ENTITIES: Function[] = [...FAULT_ENTITIES];
