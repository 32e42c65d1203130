/** The classes of hostile input the reliability suite generates for every operation of the OpenAPI document. */

/** Every name Object.prototype carries, plus `prototype`: each must be an unknown property like any other. */
export const PROTOTYPE_KEYS = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** Values PostgreSQL or the API's formats cannot hold, and wrong types, for any field. */
export const FIELD_VALUES: unknown[] = [
  null,
  7,
  -1,
  1.5,
  0,
  true,
  [],
  {},
  ['x'],
  { a: 1 },
  '',
  ' ',
  'a\u0000b',
  'a\uD800b',
  'x'.repeat(3000),
  '0000-12-31T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '+010000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2025-02-30T00:00:00Z',
  '2025-W01-1',
  1e308,
  -1e308,
  2 ** 53,
  2 ** 63,
  '99999999999999999999',
  '\u202Eevil',
];

/** The same for query parameters (always text on the wire). */
export const QUERY_VALUES: string[] = [
  '',
  'null',
  '-1',
  '0',
  '1.5',
  '1e400',
  '99999999999999999999',
  '9223372036854775808',
  '0000-12-31T00:00:00Z',
  '9999-12-31T23:59:59-23:59',
  '+010000-01-01T00:00:00Z',
  '2025-02-30T00:00:00Z',
  '2025-W01-1',
  '%00',
  '%ED%A0%80',
  'x'.repeat(3000),
  Buffer.from('9999999999999999999').toString('base64url'),
  Buffer.from('{"v":1,"t":"99999999999999999999","i":"x","f":"y"}').toString('base64url') + '.' + 'A'.repeat(43),
];

/** Claims of the wrong type or range: every one must make the token invalid (401) on every protected operation. */
export const BAD_CLAIMS: Array<Record<string, unknown>> = [
  { scopes: null },
  { scopes: 7 },
  { scopes: {} },
  { scopes: [null] },
  { scopes: ['faults:read', 1] },
  { permissions: null },
  { permissions: [{}] },
  { customer_id: null },
  { customer_id: 7 },
  { customer_id: '' },
  { customer_id: ['cus_a'] },
  { customer_id: 'a b' },
  { token_use: null },
  { token_use: 1 },
  { token_use: ['service'] },
  { token_use: 'service', customer_ids: 'cus_a' },
  { token_use: 'service', customer_ids: [7] },
  { token_use: 'service', customer_ids: null },
  { sub: null },
  { sub: 5 },
  { jti: 5 },
  { exp: null },
  { exp: '9999999999' },
  { exp: 8.64e15 },
  { nbf: null },
  { iat: null },
  { iat: 'now' },
  { iatAhead: 3600 },
  { iss: 5 },
  { aud: null },
  { aud: [1] },
];

/** Percent-encodings a URL parser must refuse or pass through without failing. */
export const BAD_ENCODINGS = ['%', '%Z', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%FF', '%00', '%25%', '..%2F..%2F'];

/** Requests Node's HTTP parser refuses before any routing. */
export const MALFORMED_REQUESTS: string[] = [
  'HELLO\r\n\r\n',
  'GET\r\n\r\n',
  'GET / HTTP/9.9\r\n\r\n',
  'GET /health HTTP/1.1\r\nHost: x\r\nbad header: 1\r\n\r\n',
  'GET /health HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n',
  'POST /fault HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST /fault HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'POST /fault HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
  'POST /fault HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n',
  'GET /health HTTP/1.1\nHost: x\n\n\u0001',
];
