/**
 * The display name of the link a fault message is about, when it names one:
 * - a quoted name: `WAN tunnel 'Primary link (WAN1)' is down` → `Primary link (WAN1)`;
 * - a name with its interface in parentheses: `Primary link (WAN1) is down` → `Primary link (WAN1)`;
 * - `tunnel|link <name> is|went|has …`: `Tunnel to-hq-01 went down` → `to-hq-01`.
 * Otherwise null.
 */
const QUOTED = /["'“‘`]([^"'“”‘’`]{1,128})["'”’`]/;
const LEADING_KEYWORDS = /^(?:(?:wan|lan|vpn|ipsec|wireguard|sd-wan)\s+)*(?:tunnel|link|interface|uplink|circuit)\s*(?:[:\-–]\s*)?/i;
const WITH_INTERFACE = /([\p{L}\p{N}][\p{L}\p{N} _./-]{0,100}?\s*\([\p{L}\p{N} _./:-]{1,32}\))/u;
const KEYWORD_NAME = /\b(?:tunnel|link|interface|uplink|circuit)\s+(?:to\s+)?([\p{L}\p{N}][\p{L}\p{N}_./:-]{0,100})\s+(?:is|was|went|has|had|goes|changed|flapped|flapping|down|up|degraded|lost)\b/iu;

export function extractTunnelName(message: string): string | null {
  const quoted = QUOTED.exec(message)?.[1]?.trim();
  if (quoted) return quoted;
  const withInterface = WITH_INTERFACE.exec(message)?.[1]?.trim();
  if (withInterface) {
    const name = withInterface.replace(LEADING_KEYWORDS, '').trim();
    return name.startsWith('(') ? withInterface : name;
  }
  const named = KEYWORD_NAME.exec(message)?.[1];
  return named ?? null;
}
