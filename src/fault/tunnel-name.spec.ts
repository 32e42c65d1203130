import { extractTunnelName } from './tunnel-name';

describe('extractTunnelName', () => {
  it.each([
    ["WAN tunnel 'Primary link (WAN1)' is down", 'Primary link (WAN1)'],
    ['Link "Backup LTE" lost carrier', 'Backup LTE'],
    ['Primary link (WAN1) is down', 'Primary link (WAN1)'],
    ['WAN Tunnel Primary link (WAN1) went down', 'Primary link (WAN1)'],
    ['Tunnel: Secondary (ether2) degraded, packet loss 12%', 'Secondary (ether2)'],
    ['Tunnel to-hq-01 went down', 'to-hq-01'],
    ['IPsec tunnel branch-7 is flapping', 'branch-7'],
    ['Site offline', null],
    ['CPU usage above 90% for 5 minutes', null],
    ['', null],
  ])('%s → %s', (message, expected) => {
    expect(extractTunnelName(message)).toBe(expected);
  });
});
