import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { boundedReadable } from './bounded-readable';

async function* pages(count: number, size: number, pulled: { n: number }): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) {
    pulled.n++;
    yield 'x'.repeat(size);
  }
}

describe('boundedReadable', () => {
  it('pulls only as far as the consumer takes: a few chunks ahead, not the whole source', async () => {
    const pulled = { n: 0 };
    const stream = boundedReadable(pages(1000, 10_000, pulled), { highWaterMark: 32_768, stallTimeoutMs: 60_000 });
    stream.pause();
    stream.read(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pulled.n).toBeLessThanOrEqual(5);
    stream.destroy();
  });

  it('delivers everything, in order, to a consumer that reads', async () => {
    const pulled = { n: 0 };
    let bytes = 0;
    await pipeline(
      boundedReadable(pages(200, 1000, pulled), { highWaterMark: 4096 }),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          callback();
        },
      }),
    );
    expect(bytes).toBe(200_000);
  });

  it('fails when its consumer takes nothing for the stall timeout, and closes the source', async () => {
    let closed = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        for (;;) yield 'y'.repeat(10_000);
      } finally {
        closed = true;
      }
    }
    const stream = boundedReadable(endless(), { highWaterMark: 16_384, stallTimeoutMs: 100 });
    const failed = new Promise<Error>((resolve) => stream.on('error', resolve));
    stream.read(0);
    expect((await failed).message).toMatch(/took nothing for 100 ms/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });
});
