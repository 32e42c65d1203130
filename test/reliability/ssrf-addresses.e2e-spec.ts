import { DataSource } from 'typeorm';
import { TestApp, startTestApp } from '../support/test-app';
import { newTenant, userToken } from '../support/tokens';
import { waitFor } from '../support/wait-for';

/**
 * Written from the IANA registries themselves (not from the service's table, so a block missing
 * there fails here): every block that is not globally reachable, by its first and last address.
 */
const IPV4_FORBIDDEN = [
  ['0.0.0.0', '0.255.255.255'], ['10.0.0.0', '10.255.255.255'], ['100.64.0.0', '100.127.255.255'], ['127.0.0.0', '127.255.255.255'],
  ['169.254.0.0', '169.254.255.255'], ['172.16.0.0', '172.31.255.255'], ['192.0.0.0', '192.0.0.255'], ['192.0.0.8', '192.0.0.170'], ['192.0.0.171', '192.0.0.7'],
  ['192.0.2.0', '192.0.2.255'], ['192.88.99.0', '192.88.99.255'], ['192.168.0.0', '192.168.255.255'], ['198.18.0.0', '198.19.255.255'],
  ['198.51.100.0', '198.51.100.255'], ['203.0.113.0', '203.0.113.255'], ['224.0.0.0', '239.255.255.255'], ['240.0.0.0', '255.255.255.255'],
].flat();
const IPV6_FORBIDDEN = [
  '::', '::1', '64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff', '100::', '100::ffff:ffff:ffff:ffff', '100:0:0:1::1', '2001:2::', '2001:2:0:ffff:ffff:ffff:ffff:ffff',
  '2001:10::', '2001:1f:ffff:ffff:ffff:ffff:ffff:ffff', '2001:db8::', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '2001:100::1', '3fff::', '3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff',
  '5f00::', '5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fc00::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fe80::', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fec0::1', 'ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '1::', '4000::1',
];
const hex16 = (a: number, b: number): string => ((a << 8) | b).toString(16);
/** Every IPv6 form that embeds an IPv4 address, several spellings each. */
function embeddings(v4: string): string[] {
  const [a, b, c, d] = v4.split('.').map(Number);
  const hi = hex16(a, b);
  const lo = hex16(c, d);
  return [
    `::ffff:${v4}`, `::ffff:${hi}:${lo}`, `0:0:0:0:0:FFFF:${hi.toUpperCase()}:${lo}`, `::${v4}`, `::${hi}:${lo}`, `::ffff:0:${v4}`, `::ffff:0:${hi}:${lo}`,
    `64:ff9b::${v4}`, `64:ff9b::${hi}:${lo}`, `2002:${hi}:${lo}::`, `2002:${hi}:${lo}:ffff::1`,
    `2001:0:4136:e378:8000:63bf:${(0xffff ^ ((a << 8) | b)).toString(16)}:${(0xffff ^ ((c << 8) | d)).toString(16)}`, `2001:0:${hi}:${lo}::1`,
  ];
}
const EMBEDDED = ['127.0.0.1', '169.254.169.254', '10.0.0.1', '172.16.0.1', '192.168.0.1', '100.64.0.1', '0.0.0.0', '192.0.0.8', '192.88.99.1', '198.18.0.1', '224.0.0.1', '255.255.255.255'];
const IPV4_SPELLINGS = ['2130706433', '0x7f.1', '0177.0.0.1', '127.1', '0xA9FEA9FE', '0251.0376.0251.0376'];

const ADDRESSES = [...IPV4_FORBIDDEN, ...IPV6_FORBIDDEN.map((a) => `[${a}]`), ...EMBEDDED.flatMap(embeddings).map((a) => `[${a}]`), ...IPV4_SPELLINGS];

describe('SSRF: every forbidden address in every spelling, at creation and at delivery', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { JOBS_SCHEMA: 'jobs_ssrf_addresses_e2e', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false', JOBS_POLLING_INTERVAL_MS: '500' } });
  });
  afterAll(() => t.close());

  it(`refuses all ${ADDRESSES.length} at creation with a 400 naming url`, async () => {
    const token = userToken(newTenant());
    const accepted: string[] = [];
    for (let i = 0; i < ADDRESSES.length; i += 50) {
      await Promise.all(
        ADDRESSES.slice(i, i + 50).map(async (host) => {
          const res = await t.request('POST', '/webhooks', { token, body: { url: `http://${host}:8080/hook`, events: ['*'] } });
          if (res.status !== 400 || res.body.errors?.[0]?.field !== 'url') accepted.push(`${host} → ${res.status}`);
        }),
      );
    }
    process.stdout.write(`ssrf: ${ADDRESSES.length} forbidden spellings refused at creation\n`);
    expect(accepted).toEqual([]);
  }, 120_000);

  it(`refuses all ${ADDRESSES.length} at delivery (a stored URL that became forbidden), without connecting`, async () => {
    const ds = t.app.get(DataSource);
    const connected: string[] = [];
    for (let i = 0; i < ADDRESSES.length; i += 25) {
      const token = userToken(newTenant());
      await Promise.all(
        ADDRESSES.slice(i, i + 25).map(async (host) => {
          // Created while public (a literal: nothing is resolved or connected), then changed behind the API's back.
          const created = await t.request('POST', '/webhooks', { token, body: { url: 'http://8.8.8.8/hook', events: ['*'] } });
          expect(created.status).toBe(201);
          await ds.query('UPDATE webhooks SET url = $2 WHERE id = $1', [created.body.id, `http://${host}:8080/hook`]);
          expect((await t.request('POST', `/webhooks/${created.body.id}/test`, { token })).status).toBe(202);
          const delivery = await waitFor(
            `the delivery to ${host}`,
            async () => ((await t.request('GET', `/webhooks/${created.body.id}/deliveries`, { token })).body.data as Array<{ attempts: number; last_error: string | null }>).find((d) => d.attempts >= 1),
            30_000,
            100,
          );
          if (!/globally reachable addresses/.test(delivery.last_error ?? '')) connected.push(`${host}: ${delivery.last_error}`);
        }),
      );
    }
    process.stdout.write(`ssrf: ${ADDRESSES.length} forbidden spellings refused at delivery\n`);
    expect(connected).toEqual([]);
  }, 300_000);
});
