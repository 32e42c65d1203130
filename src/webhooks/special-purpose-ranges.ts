/**
 * The IANA special-purpose address registries (iana-ipv4-special-registry, iana-ipv6-special-registry,
 * as of 2025), plus multicast and the deprecated site-local and IPv4-compatible blocks. `global`
 * is the registry's "Globally Reachable" column; `embeds` marks a block whose addresses carry an
 * IPv4 address (classified by that address, see address-classifier.ts).
 *
 * The most specific block that contains an address decides, so the globally reachable anycast
 * addresses inside 192.0.0.0/24 and 2001::/23 stay reachable while the rest of those blocks does not.
 */
export interface SpecialRange {
  cidr: string;
  name: string;
  global: boolean;
  /** How an IPv6 block embeds an IPv4 address. */
  embeds?: 'last32' | '6to4' | 'teredo';
}

export const IPV4_SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: '0.0.0.0/8', name: '"this network"', global: false },
  { cidr: '0.0.0.0/32', name: '"this host"', global: false },
  { cidr: '10.0.0.0/8', name: 'private-use', global: false },
  { cidr: '100.64.0.0/10', name: 'shared address space (CGNAT)', global: false },
  { cidr: '127.0.0.0/8', name: 'loopback', global: false },
  { cidr: '169.254.0.0/16', name: 'link-local (cloud metadata)', global: false },
  { cidr: '172.16.0.0/12', name: 'private-use', global: false },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments', global: false },
  { cidr: '192.0.0.0/29', name: 'IPv4 service continuity prefix (DS-Lite)', global: false },
  { cidr: '192.0.0.8/32', name: 'IPv4 dummy address', global: false },
  { cidr: '192.0.0.9/32', name: 'port control protocol anycast', global: true },
  { cidr: '192.0.0.10/32', name: 'traversal using relays around NAT anycast', global: true },
  { cidr: '192.0.0.170/32', name: 'NAT64/DNS64 discovery', global: false },
  { cidr: '192.0.0.171/32', name: 'NAT64/DNS64 discovery', global: false },
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)', global: false },
  { cidr: '192.31.196.0/24', name: 'AS112-v4', global: true },
  { cidr: '192.52.193.0/24', name: 'automatic multicast tunneling', global: true },
  { cidr: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast', global: false },
  { cidr: '192.88.99.2/32', name: '6a44 relay anycast', global: false },
  { cidr: '192.168.0.0/16', name: 'private-use', global: false },
  { cidr: '192.175.48.0/24', name: 'direct delegation AS112 service', global: true },
  { cidr: '198.18.0.0/15', name: 'benchmarking', global: false },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)', global: false },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)', global: false },
  { cidr: '224.0.0.0/4', name: 'multicast', global: false },
  { cidr: '240.0.0.0/4', name: 'reserved', global: false },
  { cidr: '255.255.255.255/32', name: 'limited broadcast', global: false },
];

export const IPV6_SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: '::/128', name: 'unspecified', global: false },
  { cidr: '::1/128', name: 'loopback', global: false },
  { cidr: '::/96', name: 'IPv4-compatible (deprecated)', global: false, embeds: 'last32' },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped', global: true, embeds: 'last32' },
  { cidr: '::ffff:0:0:0/96', name: 'IPv4-translated', global: false, embeds: 'last32' },
  { cidr: '64:ff9b::/96', name: 'IPv4/IPv6 translation (NAT64)', global: true, embeds: 'last32' },
  { cidr: '64:ff9b:1::/48', name: 'local-use IPv4/IPv6 translation', global: false },
  { cidr: '100::/64', name: 'discard-only', global: false },
  { cidr: '100:0:0:1::/64', name: 'dummy IPv6 prefix', global: false },
  { cidr: '2001::/23', name: 'IETF protocol assignments', global: false },
  { cidr: '2001::/32', name: 'Teredo', global: true, embeds: 'teredo' },
  { cidr: '2001:1::1/128', name: 'port control protocol anycast', global: true },
  { cidr: '2001:1::2/128', name: 'traversal using relays around NAT anycast', global: true },
  { cidr: '2001:1::3/128', name: 'DNS-SD service registration protocol anycast', global: true },
  { cidr: '2001:2::/48', name: 'benchmarking', global: false },
  { cidr: '2001:3::/32', name: 'automatic multicast tunneling', global: true },
  { cidr: '2001:4:112::/48', name: 'AS112-v6', global: true },
  { cidr: '2001:10::/28', name: 'deprecated ORCHID', global: false },
  { cidr: '2001:20::/28', name: 'ORCHIDv2', global: true },
  { cidr: '2001:30::/28', name: 'drone remote ID entity tags', global: true },
  { cidr: '2001:db8::/32', name: 'documentation', global: false },
  { cidr: '2002::/16', name: '6to4', global: true, embeds: '6to4' },
  { cidr: '2620:4f:8000::/48', name: 'direct delegation AS112 service', global: true },
  { cidr: '3fff::/20', name: 'documentation', global: false },
  { cidr: '5f00::/16', name: 'segment routing (SRv6) SIDs', global: false },
  { cidr: 'fc00::/7', name: 'unique-local', global: false },
  { cidr: 'fe80::/10', name: 'link-local', global: false },
  { cidr: 'fec0::/10', name: 'site-local (deprecated)', global: false },
  { cidr: 'ff00::/8', name: 'multicast', global: false },
];

/** IPv6 global unicast: everything outside it (and outside the embedding blocks above) is unallocated or special. */
export const IPV6_GLOBAL_UNICAST = '2000::/3';
