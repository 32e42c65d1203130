import { Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestTraceIds } from '../logging/request-context';
import { extractContext, tracer } from './tracing';

const spans = new WeakMap<FastifyRequest, Span>();
const UNMATCHED_ROUTE = 'unmatched';

/**
 * One SERVER span per request, named by method and route template (`GET /fault/:id`, never the path:
 * a short link or dashboard path is a credential), continuing an incoming W3C `traceparent`. The
 * request runs inside the span's context, so its queries, the jobs it queues and its log lines
 * belong to the trace. Registered only when tracing is on.
 */
export function registerHttpTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const parent = extractContext(request.headers);
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const span = tracer().startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } }, parent);
    spans.set(request, span);
    const { traceId, spanId } = span.spanContext();
    requestTraceIds.set(request, { trace_id: traceId, span_id: spanId });
    context.with(trace.setSpan(parent, span), done);
  });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const span = spans.get(request);
    if (span !== undefined) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request: FastifyRequest, done: () => void) => {
    const span = spans.get(request);
    if (span !== undefined) {
      span.setAttribute('http.request.aborted', true);
      span.end();
      spans.delete(request);
    }
    done();
  });
}
