import helmet, { HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';

/** The security headers every response carries (helmet's defaults, with the CSP below). */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      scriptSrc: ["'self'"],
      frameAncestors: ["'none'"],
      // Not helmet's default upgrade-insecure-requests: over plain http from another machine
      // (http://<host>:3000/docs) it rewrites every asset to https and Swagger UI loads blank.
      // TLS is the proxy's job; HSTS still tells browsers to stay on https once they use it.
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * Helmet's headers, derived once: they are the same for every response (no per-request CSP nonce),
 * so running helmet's middleware on each request — as @fastify/helmet does — only repeats the work.
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: Error | undefined;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) failure = error instanceof Error ? error : new Error('helmet could not derive the security headers');
  });
  if (failure !== undefined) throw failure;
  return Object.freeze(headers);
}
