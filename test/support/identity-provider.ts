import { JWK, KeyLike, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { recordSecret } from './secret-ledger';

export type ProviderAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/**
 * How the provider answers its JWKS URL: the key set; never (accepts and hangs: an outage as seen
 * from the service); a redirect to a URL serving the key set; a key set padded past any sane size.
 */
export type JwksMode = 'serve' | 'hang' | 'redirect' | 'oversized';

interface ProviderKey {
  kid: string;
  alg: ProviderAlgorithm;
  privateKey: KeyLike;
  publicJwk: JWK;
  published: boolean;
}

export interface SignOptions {
  kid?: string;
  typ?: string;
  /** Claims replacing the defaults (sub, customer_id, iss, aud, iat, exp, jti); undefined removes one. */
  claims?: Record<string, unknown>;
}

/**
 * An identity provider on 127.0.0.1 for the e2e suite: it publishes a JWKS whose keys the test
 * rotates, can go down or misbehave, and signs tokens with `jose` as a real provider would.
 */
export class IdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  mode: JwksMode = 'serve';
  /** Requests to the JWKS URL (the redirect target included). */
  fetches = 0;
  private readonly keys = new Map<string, ProviderKey>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private port = 0;

  constructor(options: { issuer?: string; audience?: string } = {}) {
    this.issuer = options.issuer ?? 'https://idp.test/';
    this.audience = options.audience ?? 'netops-api';
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${this.port}/.well-known/jwks.json`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.answer(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A new key pair; published in the JWKS unless told otherwise. */
  async addKey(alg: ProviderAlgorithm, kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`, published = true): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    this.keys.set(kid, { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, published });
    return kid;
  }

  publish(kid: string, published = true): void {
    this.keys.get(kid)!.published = published;
  }

  /** An access token for this provider's API audience, signed with `kid` (the first key by default). */
  async sign(options: SignOptions = {}): Promise<string> {
    const key = this.keys.get(options.kid ?? [...this.keys.keys()][0])!;
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { sub: 'usr_idp', customer_id: 'cus_idp', iss: this.issuer, aud: this.audience, iat: now, exp: now + 600, jti: randomUUID(), ...options.claims };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    const token = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...(options.typ !== undefined ? { typ: options.typ } : {}) }).sign(key.privateKey);
    return recordSecret(token);
  }

  private keySet(): { keys: JWK[] } {
    return { keys: [...this.keys.values()].filter((k) => k.published).map((k) => k.publicJwk) };
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.fetches++;
    if (req.url === '/moved/jwks.json') return void res.setHeader('content-type', 'application/json').end(JSON.stringify(this.keySet()));
    switch (this.mode) {
      case 'hang':
        return; // accepted, never answered: the socket is destroyed at close()
      case 'redirect':
        return void res.writeHead(302, { location: '/moved/jwks.json' }).end();
      case 'oversized': {
        // Chunked, without a Content-Length: the service must stop reading, not trust a header.
        res.setHeader('content-type', 'application/json');
        const body = JSON.stringify({ ...this.keySet(), padding: 'x'.repeat(700 * 1024) });
        for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.slice(i, i + 64 * 1024));
        return void res.end();
      }
      case 'serve':
        return void res.setHeader('content-type', 'application/json').end(JSON.stringify(this.keySet()));
    }
  }
}
