import type { FastifyInstance } from 'fastify';
import { TracingConfig } from '../config/tracing.config';
import { registerHttpTracing } from './http-tracing';
import { instrumentPg } from './pg-tracing';
import { startTracing } from './tracing';

/**
 * Starts the SDK when TracingConfig enables it, then instruments this application: a span per
 * request (hooks on `fastify`) and per database statement inside one. Without an endpoint: nothing
 * is registered, not even a hook.
 */
export function setupTracing(config: TracingConfig, fastify: FastifyInstance): boolean {
  if (!startTracing(config)) return false;
  instrumentPg();
  registerHttpTracing(fastify);
  return true;
}
