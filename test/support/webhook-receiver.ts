import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

/**
 * A local webhook receiver. `respond` decides each answer (status, or 'hang'
 * to never answer); every request is kept, in arrival order.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  respond: (delivery: ReceivedDelivery) => number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(respond: (delivery: ReceivedDelivery) => number | 'hang' = () => 204): Promise<WebhookReceiver> {
  const hanging = new Set<http.ServerResponse>();
  const receiver: WebhookReceiver = { url: '', received: [], respond, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const delivery = { headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      receiver.received.push(delivery);
      const answer = receiver.respond(delivery);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
