import { Header, applyDecorators } from '@nestjs/common';

/**
 * For responses that carry a secret or a credential (a generated API key, a dashboard token, resolved vault
 * values, a webhook signing secret): no cache — browser, proxy or CDN — may keep a copy.
 */
export const NoStore = (): MethodDecorator => applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));

/** Every other response: private to the caller (never kept by a shared cache) and revalidated before reuse. */
export const DEFAULT_CACHE_CONTROL = 'private, no-cache';
