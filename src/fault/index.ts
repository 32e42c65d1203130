/**
 * The public surface of fault/: what other features may import, as `'../fault'`.
 * Everything else in the folder is internal; the lint (eslint.config.mjs) refuses deeper imports.
 */
export { FaultModule } from './fault.module';
export { pathSegments } from './ancestry-path';
