import { fetchJwks } from './jwks-fetch';

const answer = (body: ConstructorParameters<typeof Response>[0], init: ResponseInit = {}): typeof fetch => () => Promise.resolve(new Response(body, init));
const options = (fetchFn: typeof fetch) => ({ url: 'https://idp.test/jwks.json', timeoutMs: 1000, maxBytes: 1024, fetchFn });

describe('fetchJwks', () => {
  it('reads a key set', async () => {
    const set = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1' }, 'junk'] };
    await expect(fetchJwks(options(answer(JSON.stringify(set))))).resolves.toEqual({ keys: [set.keys[0]] });
  });

  it('asks for no redirect to be followed, and refuses one', async () => {
    let redirect: string | undefined;
    const fetchFn = (async (_url: string, init: RequestInit) => {
      redirect = init.redirect;
      return new Response(null, { status: 302, headers: { location: 'https://elsewhere.test/jwks.json' } });
    }) as unknown as typeof fetch;
    await expect(fetchJwks(options(fetchFn))).rejects.toThrow('the provider answered a redirect (HTTP 302), which is not followed');
    expect(redirect).toBe('manual');
  });

  it.each([
    ['a declared oversized body', answer('{}', { headers: { 'content-length': '4096' } }), 'larger than 1024 bytes'],
    ['an oversized body without a length', answer(new ReadableStream({ start: (c) => { for (let i = 0; i < 8; i++) c.enqueue(new Uint8Array(256)); c.close(); } })), 'larger than 1024 bytes'],
    ['an error status', answer('nope', { status: 503 }), 'HTTP 503'],
    ['a body that is not JSON', answer('<html>'), 'not JSON'],
    ['a body without keys', answer('{"keys":{}}'), 'no "keys" array'],
  ])('refuses %s', async (_name, fetchFn, message) => {
    await expect(fetchJwks(options(fetchFn))).rejects.toThrow(message);
  });

  it('refuses more than 100 keys', async () => {
    const fetchFn = answer(JSON.stringify({ keys: Array.from({ length: 101 }, () => ({ kty: 'OKP' })) }));
    await expect(fetchJwks({ ...options(fetchFn), maxBytes: 1 << 20 })).rejects.toThrow('holds 101 keys, more than 100');
  });

  it('gives up at the deadline', async () => {
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(new Error(`aborted: ${String(init.signal!.reason)}`))))) as unknown as typeof fetch;
    await expect(fetchJwks({ ...options(hanging), timeoutMs: 50 })).rejects.toThrow(/timeout|aborted/i);
  });
});
