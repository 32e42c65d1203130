/**
 * The public surface of fault/: what other features may import, as `'../fault'`.
 * Everything else in the folder is internal; the lint (eslint.config.mjs) refuses deeper imports.
 */
export { FaultModule } from './fault.module';
export { pathSegments } from './ancestry-path';
// The tables partitioned by a fault's expiry, as the partition maintenance makes them (the seeder makes their months before loading).
export { faultPartitions } from './core/fault-partitions';
export { faultChildrenPartitions } from './core/fault-children-partitions';
// The top-faults sweep run to the end: the seeder folds what its rows appended, as the sweep would.
export { sweepTopFaultCountsFully } from './top-faults/top-faults.repository';
