import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';

/** What every feature injects and no feature owns: the clock. */
@Global()
@Module({
  providers: [Clock],
  exports: [Clock],
})
export class CommonModule {}
