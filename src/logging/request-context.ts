import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
}

/** Carries the request id through every await, so every log line of a request names it. */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/** The trace and span ids of a request's span (set by the tracing hook when tracing is on), for its access-log line. */
export const requestTraceIds = new WeakMap<object, { trace_id: string; span_id: string }>();
