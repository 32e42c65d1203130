import { DynamicModule, Global, Module } from '@nestjs/common';
import { JobsConfig } from '../config/jobs.config';
import { JobQueue } from './job-queue';
import { PartitionMaintenance } from './partition-maintenance';

/** The PostgreSQL-backed job queue, shared by every feature module, and the partition maintenance that runs on it. */
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
      ],
      exports: [JobQueue, JobsConfig, PartitionMaintenance],
    };
  }
}
