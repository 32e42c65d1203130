import ipaddr from 'ipaddr.js';
import { classifyAddress } from './address-classifier';
import { IPV4_SPECIAL_RANGES, IPV6_SPECIAL_RANGES, SpecialRange } from './special-purpose-ranges';

/** The first and last address of a block. */
function edges(cidr: string): [string, string] {
  const [network, prefix] = ipaddr.parseCIDR(cidr);
  const bytes = network.toByteArray();
  const bits = bytes.length * 8;
  let value = bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  value &= ~hostMask;
  const toText = (v: bigint): string => {
    const out: number[] = [];
    for (let i = bytes.length - 1; i >= 0; i--) out[i] = Number((v >> BigInt((bytes.length - 1 - i) * 8)) & 0xffn);
    return ipaddr.fromByteArray(out).toString();
  };
  return [toText(value), toText(value | hostMask)];
}

/** The most specific listed block holding an address (what the registry says about it). */
function registryEntry(address: string, ranges: readonly SpecialRange[]): SpecialRange | undefined {
  const parsed = ipaddr.parse(address);
  return ranges
    .filter((r) => ipaddr.parseCIDR(r.cidr)[0].kind() === parsed.kind() && parsed.match(ipaddr.parseCIDR(r.cidr)))
    .sort((a, b) => ipaddr.parseCIDR(b.cidr)[1] - ipaddr.parseCIDR(a.cidr)[1])[0];
}

const hex = (v4: string): [string, string] => {
  const [a, b, c, d] = v4.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
};
const inverted = (v4: string): [string, string] => {
  const [a, b, c, d] = v4.split('.').map(Number);
  return [(0xffff - ((a << 8) | b)).toString(16), (0xffff - ((c << 8) | d)).toString(16)];
};

/** Every IPv6 form that embeds an IPv4 address, in several spellings. */
function embeddings(v4: string): Record<string, string> {
  const [hi, lo] = hex(v4);
  const [thi, tlo] = inverted(v4);
  return {
    mapped: `::ffff:${v4}`,
    mappedHex: `::ffff:${hi}:${lo}`,
    mappedExpanded: `0000:0000:0000:0000:0000:FFFF:${hi.toUpperCase()}:${lo.toUpperCase()}`,
    compatible: `::${v4}`,
    compatibleHex: `::${hi}:${lo}`,
    translated: `::ffff:0:${v4}`,
    translatedHex: `::ffff:0:${hi}:${lo}`,
    nat64: `64:ff9b::${v4}`,
    nat64Hex: `64:ff9b::${hi}:${lo}`,
    nat64Local: `64:ff9b:1::${hi}:${lo}`,
    sixToFour: `2002:${hi}:${lo}::1`,
    teredoClient: `2001:0:4136:e378:8000:63bf:${thi}:${tlo}`,
    teredoServer: `2001:0:${hi}:${lo}:8000:63bf:f7f7:f7f7`,
  };
}

describe('classifyAddress', () => {
  const v4Samples = IPV4_SPECIAL_RANGES.flatMap((r) => edges(r.cidr));
  const v6Samples = IPV6_SPECIAL_RANGES.filter((r) => r.embeds === undefined).flatMap((r) => edges(r.cidr));

  it.each(v4Samples)('judges %s as the IPv4 special-purpose registry does', (address) => {
    const entry = registryEntry(address, IPV4_SPECIAL_RANGES)!;
    expect(classifyAddress(address).allowed).toBe(entry.global);
  });

  it.each(v6Samples)('judges %s as the IPv6 special-purpose registry does', (address) => {
    const entry = registryEntry(address, IPV6_SPECIAL_RANGES)!;
    if (entry.embeds !== undefined) return; // an edge that falls into an embedding block: judged below
    expect(classifyAddress(address).allowed).toBe(entry.global);
  });

  it('names the range in the reason', () => {
    expect(classifyAddress('169.254.169.254')).toEqual({ allowed: false, reason: 'link-local (cloud metadata) (169.254.0.0/16)' });
    expect(classifyAddress('::ffff:0:7f00:1')).toEqual({ allowed: false, reason: 'IPv4-translated (::ffff:0:0:0/96) embedding 127.0.0.1, loopback (127.0.0.0/8)' });
  });

  const forbiddenV4 = v4Samples.filter((a) => !registryEntry(a, IPV4_SPECIAL_RANGES)!.global);
  const forms = Object.keys(embeddings('127.0.0.1'));
  it.each(forbiddenV4.flatMap((v4) => forms.map((form) => [form, v4, embeddings(v4)[form]])))('refuses the %s form of %s (%s)', (_form, _v4, v6) => {
    expect(classifyAddress(v6).allowed).toBe(false);
    expect(classifyAddress(`[${v6}]`).allowed).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14'])('judges the forms embedding the public %s by that address (deprecated forms refused)', (v4) => {
    const e = embeddings(v4);
    for (const form of ['mapped', 'mappedHex', 'mappedExpanded', 'nat64', 'nat64Hex', 'sixToFour', 'teredoClient']) expect([form, classifyAddress(e[form]).allowed]).toEqual([form, true]);
    for (const form of ['compatible', 'compatibleHex', 'translated', 'translatedHex', 'nat64Local']) expect([form, classifyAddress(e[form]).allowed]).toEqual([form, false]);
  });

  it.each(['0x7f.1', '0177.0.0.1', '2130706433', '127.1', '0x7F000001', '0:0:0:0:0:0:0:1', '::0001', '[::1]', 'FE80::1', 'fe80::1%eth0', '::ffff:7F00:0001'])(
    'refuses the spelling %s of a forbidden address',
    (spelling) => {
      expect(classifyAddress(spelling).allowed).toBe(false);
    },
  );

  it.each(['8.8.8.8', '2606:4700:4700::1111', '2001:4860:4860::8888', '192.0.0.9', '2001:1::1', '2620:4f:8000::1'])('allows the globally reachable %s', (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true });
  });

  it.each(['1::', '4000::1', 'e000::1', '100:0:0:2::1'])('refuses %s, outside IPv6 global unicast', (address) => {
    expect(classifyAddress(address).allowed).toBe(false);
  });

  it.each(['example.com', '', '1.2.3.4.5', ':::1', 'localhost'])('refuses %j, which is no IP address', (text) => {
    expect(classifyAddress(text)).toEqual({ allowed: false, reason: 'not an IP address' });
  });
});
