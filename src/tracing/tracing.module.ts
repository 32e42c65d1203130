import { Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { TracingConfig } from '../config/tracing.config';
import { flushTracing } from './tracing';

/** Sends the spans still buffered when the application stops (the SDK itself lives as long as the process). */
@Injectable()
class TracingFlush implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushTracing().catch(() => undefined);
  }
}

/** OpenTelemetry traces: the config (started by configureApp when an OTLP endpoint is set) and the flush at shutdown. */
@Module({
  providers: [{ provide: TracingConfig, useFactory: () => TracingConfig.fromEnv(process.env) }, TracingFlush],
  exports: [TracingConfig],
})
export class TracingModule {}
