import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { DeliveryRequest, sendDelivery } from './webhook-sender';
import { HostResolver } from './webhook-target';

const TIMEOUTS = { connectMs: 1_000, firstByteMs: 600, totalMs: 1_500 };

function request(url: string, allowPrivate: boolean, timeouts = TIMEOUTS): DeliveryRequest {
  return { url, body: '{"id":"evt_1"}', headers: { 'webhook-id': 'evt_1' }, timeouts, allowPrivate };
}

/** A resolver answering fixed addresses and counting its calls. */
function fixedResolver(...addresses: string[]): HostResolver & { calls: number } {
  const resolver = Object.assign(
    (): Promise<Array<{ address: string; family: number }>> => {
      resolver.calls++;
      return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    },
    { calls: 0 },
  );
  return resolver;
}

/** A TCP server on 127.0.0.1 whose connections `onConnection` handles; counts connections. */
interface TcpServer {
  port: number;
  connections: number;
  closed: number;
  close(): Promise<void>;
}

async function tcpServer(onConnection: (socket: net.Socket) => void): Promise<TcpServer> {
  const sockets = new Set<net.Socket>();
  const state: TcpServer = { port: 0, connections: 0, closed: 0, close: () => Promise.resolve() };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => state.closed++);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}

describe('sendDelivery', () => {
  const timers: NodeJS.Timeout[] = [];
  afterEach(() => timers.splice(0).forEach((t) => clearInterval(t)));

  it('resolves the host once and connects to exactly the address it classified', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.headers.host}`);
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const resolver = fixedResolver('127.0.0.1');
    try {
      expect(await sendDelivery(request(`http://hooks.test:${port}/x`, true), resolver)).toEqual({ ok: true, status: 204, error: null });
      expect(resolver.calls).toBe(1);
      expect(seen).toEqual([`hooks.test:${port}`]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ['a private answer', ['127.0.0.1']],
    ['one private answer among public ones', ['8.8.8.8', '10.0.0.7']],
    ['an IPv6 spelling of the metadata address', ['::ffff:a9fe:a9fe']],
    ['a 6to4 address embedding loopback', ['2002:7f00:1::1']],
  ])('refuses a host name with %s before connecting', async (_what, addresses) => {
    const trap = await tcpServer(() => undefined);
    const resolver = fixedResolver(...addresses);
    try {
      const result = await sendDelivery(request(`http://rebind.test:${trap.port}/x`, false), resolver);
      expect(result).toEqual({ ok: false, status: null, error: expect.stringContaining('webhooks may only target globally reachable addresses') });
      expect(resolver.calls).toBe(1);
      expect(trap.connections).toBe(0);
    } finally {
      await trap.close();
    }
  });

  it('refuses a literal forbidden address in the URL without resolving anything', async () => {
    const resolver = fixedResolver('8.8.8.8');
    const result = await sendDelivery(request('http://[::ffff:0:7f00:1]:9/x', false), resolver);
    expect(result.error).toContain('IPv4-translated');
    expect(resolver.calls).toBe(0);
  });

  it('cuts a receiver that accepts and never answers at the first-byte deadline', async () => {
    const tarpit = await tcpServer(() => undefined);
    try {
      const started = Date.now();
      const result = await sendDelivery(request(`http://127.0.0.1:${tarpit.port}/x`, true));
      const took = Date.now() - started;
      expect(result).toEqual({ ok: false, status: null, error: 'no response head within 600 ms' });
      expect(took).toBeGreaterThanOrEqual(590);
      expect(took).toBeLessThan(1_200);
    } finally {
      await tarpit.close();
    }
  });

  it('cuts a receiver that trickles its response head byte by byte', async () => {
    const head = 'HTTP/1.1 200 OK\r\nx-slow: ' + 'a'.repeat(1000);
    const trickle = await tcpServer((socket) => {
      let i = 0;
      timers.push(setInterval(() => i < head.length && !socket.destroyed && socket.write(head[i++]), 20));
    });
    try {
      const started = Date.now();
      const result = await sendDelivery(request(`http://127.0.0.1:${trickle.port}/x`, true));
      expect(result.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(1_200);
    } finally {
      await trickle.close();
    }
  });

  it('takes the status of a receiver whose body never ends, and closes the connection at once', async () => {
    const endless = await tcpServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n');
        timers.push(setInterval(() => !socket.destroyed && socket.write('400\r\n' + 'x'.repeat(1024) + '\r\n'), 5));
      });
    });
    try {
      const started = Date.now();
      expect(await sendDelivery(request(`http://127.0.0.1:${endless.port}/x`, true))).toEqual({ ok: true, status: 200, error: null });
      expect(Date.now() - started).toBeLessThan(600);
      const deadline = Date.now() + 2_000;
      while (endless.closed < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(endless.closed).toBe(1);
    } finally {
      await endless.close();
    }
  });

  it('holds the total deadline when resolving never ends', async () => {
    const never: HostResolver = () => new Promise(() => undefined);
    const started = Date.now();
    const result = await sendDelivery(request('http://slow-dns.test/x', false, { connectMs: 100, firstByteMs: 100, totalMs: 300 }), never);
    expect(result).toEqual({ ok: false, status: null, error: 'url host did not resolve within 300 ms' });
    expect(Date.now() - started).toBeLessThan(800);
  });
});
