import { LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';
import { classifyAddress } from './address-classifier';

/** Why a webhook target was refused (safe to show: names the address, never a secret). */
export class WebhookTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

/** Resolves a host name to every address it has (in the resolver's order). */
export type HostResolver = (host: string) => Promise<LookupAddress[]>;

/** The system resolver (as a connection would use it), failing with a clear reason. */
export const systemResolver: HostResolver = (host) =>
  new Promise((resolve, reject) => {
    lookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(new WebhookTargetError(`url host ${host} does not resolve (${error.code ?? 'lookup failed'})`));
      else resolve(addresses);
    });
  });

/**
 * The one address a delivery connects to. The host is resolved once (an IP literal is not resolved
 * at all) and — unless private targets are allowed — every address it has is classified: a name
 * answering one public and one private address is refused rather than depending on which one a
 * connection would pick. The caller connects to exactly the returned address (a pinned lookup),
 * so a DNS answer changing between this check and the connection cannot redirect it.
 */
export async function resolveTarget(hostname: string, allowPrivate: boolean, resolver: HostResolver = systemResolver): Promise<LookupAddress> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await resolver(host);
  if (addresses.length === 0) throw new WebhookTargetError(`url host ${host} does not resolve`);
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const verdict = classifyAddress(address);
      if (!verdict.allowed) {
        throw new WebhookTargetError(`url host ${host} resolves to ${address}: ${verdict.reason}; webhooks may only target globally reachable addresses`);
      }
    }
  }
  return addresses[0];
}

/** Checks a webhook URL's form: http(s), a host, no credentials, no fragment. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetError('url must use http or https');
  if (url.username !== '' || url.password !== '') throw new WebhookTargetError('url must not contain credentials; the signature authenticates deliveries');
  if (url.hash !== '') throw new WebhookTargetError('url must not contain a fragment');
  if (url.hostname === '') throw new WebhookTargetError('url must name a host');
  return url;
}
