import ipaddr from 'ipaddr.js';
import { IPV4_SPECIAL_RANGES, IPV6_GLOBAL_UNICAST, IPV6_SPECIAL_RANGES, SpecialRange } from './special-purpose-ranges';

/** Whether a webhook may connect to an address; when not, why (names the address and its range, nothing else). */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

interface ParsedRange extends SpecialRange {
  network: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

const parse = (ranges: readonly SpecialRange[]): ParsedRange[] => ranges.map((r) => ({ ...r, network: ipaddr.parseCIDR(r.cidr) }));
const V4 = parse(IPV4_SPECIAL_RANGES);
const V6 = parse(IPV6_SPECIAL_RANGES);
const V6_GLOBAL_UNICAST = ipaddr.parseCIDR(IPV6_GLOBAL_UNICAST);

/** The most specific listed block containing the address (the registries nest: 192.0.0.9/32 inside 192.0.0.0/24). */
function mostSpecific(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: ParsedRange[]): ParsedRange | undefined {
  let best: ParsedRange | undefined;
  for (const range of ranges) {
    if (range.network[0].kind() === address.kind() && address.match(range.network) && (best === undefined || range.network[1] > best.network[1])) best = range;
  }
  return best;
}

function ipv4From32(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 addresses an IPv6 address carries in a block that embeds one (Teredo carries its server and its client). */
function embeddedIpv4(address: ipaddr.IPv6, how: NonNullable<SpecialRange['embeds']>): ipaddr.IPv4[] {
  const p = address.parts;
  switch (how) {
    case 'last32':
      return [ipv4From32(p[6], p[7])];
    case '6to4':
      return [ipv4From32(p[1], p[2])];
    case 'teredo':
      // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC — the client's address is stored inverted.
      return [ipv4From32(p[2], p[3]), ipv4From32(~p[6] & 0xffff, ~p[7] & 0xffff)];
  }
}

function classifyIpv4(address: ipaddr.IPv4): AddressVerdict {
  const range = mostSpecific(address, V4);
  if (range !== undefined && !range.global) return { allowed: false, reason: `${range.name} (${range.cidr})` };
  return { allowed: true };
}

function classifyIpv6(address: ipaddr.IPv6): AddressVerdict {
  const range = mostSpecific(address, V6);
  if (range?.embeds !== undefined) {
    // Every IPv6 spelling of an IPv4 address is judged by that address first: ::ffff:127.0.0.1, ::7f00:1,
    // ::ffff:0:7f00:1, 64:ff9b::7f00:1, 2002:7f00:1::, 2001:0:…:80ff:fffe all reach (or name) 127.0.0.1.
    for (const v4 of embeddedIpv4(address, range.embeds)) {
      const verdict = classifyIpv4(v4);
      if (!verdict.allowed) return { allowed: false, reason: `${range.name} (${range.cidr}) embedding ${v4.toString()}, ${verdict.reason}` };
    }
  }
  if (range !== undefined) return range.global ? { allowed: true } : { allowed: false, reason: `${range.name} (${range.cidr})` };
  if (!address.match(V6_GLOBAL_UNICAST)) return { allowed: false, reason: `outside IPv6 global unicast (${IPV6_GLOBAL_UNICAST})` };
  return { allowed: true };
}

/**
 * The canonical text of an address, by the WHATWG URL parser (the one that turned the webhook URL into its
 * host): `::127.0.0.1` → `::7f00:1`, `0x7f.1` → `127.0.0.1`, upper case and leading zeros gone. ipaddr.js
 * alone reads `::a.b.c.d` as IPv4-mapped, so every spelling is made canonical before it is parsed.
 */
function canonical(bare: string): string | undefined {
  try {
    const host = new URL(`http://${bare.includes(':') ? `[${bare}]` : bare}/`).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host;
  } catch {
    return undefined;
  }
}

/**
 * Classifies one IP address, in any spelling (dotted, decimal, hex and octal IPv4; every IPv6 form,
 * bracketed or not): forbidden when it — or the IPv4 address an IPv6 form embeds — lies in a
 * special-purpose block that is not globally reachable, or is an IPv6 address outside global unicast.
 * A host name or anything else that is not an address is refused (resolve it first).
 */
export function classifyAddress(text: string): AddressVerdict {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (bare.includes('%')) return { allowed: false, reason: 'an IPv6 zone index (link-scoped)' };
  const host = canonical(bare);
  if (host !== undefined && ipaddr.IPv6.isValid(host) && host.includes(':')) return classifyIpv6(ipaddr.IPv6.parse(host));
  if (host !== undefined && ipaddr.IPv4.isValidFourPartDecimal(host)) return classifyIpv4(ipaddr.IPv4.parse(host));
  return { allowed: false, reason: 'not an IP address' };
}
