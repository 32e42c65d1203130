import { Global, Module, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HealthController } from './health.controller';
import { LivenessState } from './liveness-state';
import { ReadinessRegistry } from './readiness.registry';
import { ShutdownState } from './shutdown-state';

@Global()
@Module({
  controllers: [HealthController],
  providers: [ReadinessRegistry, ShutdownState, LivenessState],
  exports: [ReadinessRegistry, ShutdownState, LivenessState],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessRegistry,
    private readonly dataSource: DataSource,
    private readonly shutdown: ShutdownState,
  ) {}

  onModuleInit(): void {
    this.readiness.register({
      name: 'lifecycle',
      check: async () => {
        if (this.shutdown.draining) throw new Error('shutting down');
      },
    });
    this.readiness.register({
      name: 'database',
      check: async () => {
        await this.dataSource.query('SELECT 1');
      },
    });
  }
}
