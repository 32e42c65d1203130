import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { DatabaseConfig } from '../config/database.config';
import { JobsConfig } from '../config/jobs.config';
import { JobQueue } from './job-queue';
import { PartitionCompaction } from './partition-compaction';
import { PartitionMaintenance } from './partition-maintenance';

/** The PostgreSQL-backed job queue, shared by every feature module, and the partition maintenance and compaction that run on it. */
@Global()
@Module({})
export class JobsModule {
  /** @param databaseUrl the PostgreSQL to use, as resolved by openDatabase() (external or embedded). */
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: JobsModule,
      providers: [
        { provide: JobsConfig, useFactory: () => JobsConfig.fromEnv(process.env) },
        { provide: JobQueue, inject: [JobsConfig], useFactory: (config: JobsConfig) => new JobQueue(databaseUrl, config) },
        PartitionMaintenance,
        {
          provide: PartitionCompaction,
          inject: [DataSource, JobQueue, Clock, PartitionMaintenance, DatabaseConfig],
          // REINDEX CONCURRENTLY needs a session of its own: the direct connection when the pool goes through a pooler.
          useFactory: (ds: DataSource, jobs: JobQueue, clock: Clock, maintenance: PartitionMaintenance, db: DatabaseConfig) =>
            new PartitionCompaction(ds, jobs, clock, maintenance, db.listenUrl ?? databaseUrl),
        },
      ],
      exports: [JobQueue, JobsConfig, PartitionMaintenance],
    };
  }
}
