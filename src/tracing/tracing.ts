import { Context, Span, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { TracingConfig } from '../config/tracing.config';

/**
 * OpenTelemetry traces, by hand at the few places that matter (requests, queries, jobs, webhook
 * deliveries, NATS publishes) rather than by patching every library: the SDK is started once per
 * process, only when an OTLP endpoint is configured. Otherwise nothing is registered and every
 * helper here returns after one boolean test, so a disabled tracer costs nothing measurable.
 */
let provider: NodeTracerProvider | undefined;

export const TRACER_NAME = 'netops-faults-vault';

/** Whether spans are recorded and exported in this process. */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/**
 * Starts the SDK when `config` enables it (idempotent): OTLP over HTTP, W3C trace context and
 * baggage propagation, the sampler from OTEL_TRACES_SAMPLER (default parentbased_always_on), the
 * resource from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracing(config: TracingConfig): boolean {
  if (!config.enabled || provider !== undefined) return provider !== undefined;
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }).merge(detectResources({ detectors: [envDetector] }));
  provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  provider.register();
  return true;
}

/** Sends the spans still buffered (at shutdown, and in tests before asserting on the receiver). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Flushes and stops the SDK; the process records no spans afterwards. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  if (stopping === undefined) return;
  await stopping.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

export function tracer(): ReturnType<typeof trace.getTracer> {
  return trace.getTracer(TRACER_NAME);
}

/**
 * Runs `fn` in a new span (a child of the active one, or of `parent`), ending it when `fn` settles;
 * a thrown error marks the span failed. Without tracing: just `fn()`.
 */
export async function inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context }, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (provider === undefined) return fn(undefined);
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message?.slice(0, 200) });
    throw error;
  } finally {
    span.end();
  }
}

/** `traceparent` (and `tracestate`) of the active span, to put on an outgoing message; empty without tracing. */
export function traceHeaders(): Record<string, string> {
  if (provider === undefined) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The context an incoming carrier (HTTP headers, a job's data) continues; the active one when it carries none. */
export function extractContext(carrier: Record<string, unknown>): Context {
  return propagation.extract(context.active(), carrier, {
    get: (c, key) => {
      const value = c[key];
      return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? (value[0]) : undefined;
    },
    keys: (c) => Object.keys(c),
  });
}

export { SpanKind, SpanStatusCode };
