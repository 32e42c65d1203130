import { Module } from '@nestjs/common';
import { FaultConfig } from '../config/fault.config';

/** The Faults API's settings, read once and shared by FaultModule and its sub-modules. */
@Module({
  providers: [{ provide: FaultConfig, useFactory: () => FaultConfig.fromEnv(process.env) }],
  exports: [FaultConfig],
})
export class FaultConfigModule {}
