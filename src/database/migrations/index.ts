import { CreateRateLimitHits1795458000000 } from './1795458000000-CreateRateLimitHits';
import { CreateVault1795457427823 } from './1795457427823-CreateVault';
import { CreateFaults1795457339041 } from './1795457339041-CreateFaults';
/**
 * Every migration, oldest first. `npm run migration:generate -- <Name>`
 * writes a new file beside this one and appends it here.
 */
export const MIGRATIONS: Function[] = [CreateFaults1795457339041, CreateVault1795457427823, CreateRateLimitHits1795458000000];
