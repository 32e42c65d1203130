import { LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Why a webhook target was refused (safe to show: names the address, never a secret). */
export class WebhookTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

/** Loopback, private, link-local (cloud metadata), shared, reserved and multicast ranges. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 address carries (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** True when an IP address is one a webhook must never reach. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return BLOCKED.check(v4, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return true;
}

/** Resolves a host name to every address (as the connection would), or fails with a clear reason. */
export function resolveAll(hostname: string): Promise<LookupAddress[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return Promise.resolve([{ address: host, family: isIP(host) }]);
  return new Promise((resolve, reject) => {
    lookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(new WebhookTargetError(`url host ${host} does not resolve (${error.code ?? 'lookup failed'})`));
      else if (addresses.length === 0) reject(new WebhookTargetError(`url host ${host} does not resolve`));
      else resolve(addresses);
    });
  });
}

/**
 * The addresses a delivery may connect to: all of the host's addresses when
 * none is blocked (or private targets are allowed); otherwise an error. Every
 * address is checked, so a name answering one public and one private address
 * is refused rather than depending on which one the connection picks.
 */
export async function resolveTarget(hostname: string, allowPrivate: boolean): Promise<LookupAddress[]> {
  const addresses = await resolveAll(hostname);
  if (!allowPrivate) {
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) {
      throw new WebhookTargetError(`url host ${hostname} resolves to ${blocked.address}, a loopback, private, link-local or reserved address; webhooks may only target public addresses`);
    }
  }
  return addresses;
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
