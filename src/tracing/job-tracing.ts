import { SpanKind } from '@opentelemetry/api';
import { extractContext, inSpan, traceHeaders, tracingEnabled } from './tracing';

/** The job's data with the sender's trace context (`traceparent`) added, so the job continues the trace that queued it. */
export function withTraceContext<T extends object>(data: T): T {
  if (!tracingEnabled()) return data;
  return { ...data, ...traceHeaders() };
}

/** Runs a job's handler in a CONSUMER span named after its queue, a child of the trace that queued the job (if any). */
export function inJobSpan<T>(queue: string, data: object, run: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return run();
  return inSpan(`job ${queue}`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'pg-boss', 'messaging.destination.name': queue }, parent: extractContext(data as Record<string, unknown>) }, () => run());
}
