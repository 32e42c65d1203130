/**
 * When the Bearer JWT of a request expires (epoch ms), read from its `exp` claim; undefined when
 * there is none. Only for requests the global guard has already authenticated: the token was
 * verified there, so its payload is only read here, to end a stream at the token's expiry.
 */
export function bearerExpiresAt(authorization: string | undefined): number | undefined {
  const match = /^Bearer\s+[^.\s]+\.([^.\s]+)\.[^.\s]*$/i.exec(authorization ?? '');
  if (match === null) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
