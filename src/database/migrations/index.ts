import { CreateFaults1795457339041 } from './1795457339041-CreateFaults';
/**
 * Every migration, oldest first. `npm run migration:generate -- <Name>`
 * writes a new file beside this one and appends it here.
 */
export const MIGRATIONS: Function[] = [CreateFaults1795457339041];
