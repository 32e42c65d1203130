import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { Client } from 'pg';
import { tracer } from './tracing';

const PATCHED = Symbol.for('netops.tracing.pg');
const MAX_STATEMENT = 1000;

interface QueryConfigLike {
  text?: string;
  name?: string;
  submit?: unknown;
}

function statementOf(args: unknown[]): { text: string; name?: string } {
  const first = args[0];
  if (typeof first === 'string') return { text: first };
  const config = (first ?? {}) as QueryConfigLike;
  return { text: typeof config.text === 'string' ? config.text : '', name: config.name };
}

/**
 * One CLIENT span per statement a pg client runs inside a traced operation (a request, a job):
 * named by its first keyword, the statement text (parameters, never their values) as
 * `db.query.text`. Statements outside any span (pool keep-alives, the job queue's polling) make none.
 * Patches pg's Client once per process; called only when tracing is on.
 */
export function instrumentPg(): void {
  const proto = Client.prototype as unknown as Record<string | symbol, unknown> & { query: (...args: unknown[]) => unknown };
  if (proto[PATCHED] === true) return;
  proto[PATCHED] = true;
  const original = proto.query;
  proto.query = function tracedQuery(this: unknown, ...args: unknown[]): unknown {
    const parent = context.active();
    if (trace.getSpan(parent) === undefined || args.length === 0 || typeof (args[0] as QueryConfigLike)?.submit === 'function') return original.apply(this, args);
    const { text, name } = statementOf(args);
    const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
    const span = tracer().startSpan(
      `db ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': text.slice(0, MAX_STATEMENT), ...(name ? { 'db.query.name': name } : {}) } },
      parent,
    );
    const finish = (error?: unknown): void => {
      if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message?.slice(0, 200) });
      span.end();
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = function tracedCallback(this: unknown, error: unknown, ...rest: unknown[]) {
        finish(error);
        return (last as (...a: unknown[]) => unknown).call(this, error, ...rest);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(
        () => finish(),
        (error: unknown) => finish(error),
      );
    } else finish();
    return result;
  };
}
