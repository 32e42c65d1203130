/**
 * Every migration, oldest first. `npm run migration:generate -- <Name>`
 * writes a new file beside this one and appends it here.
 */
export const MIGRATIONS: Function[] = [];
