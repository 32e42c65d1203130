import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createScratchDatabase } from './support/scratch-database';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

/** The benchmark's smoke run, so `npm run bench` cannot rot: one read case per module, one second each. */
describe('benchmark (quick)', () => {
  it('seeds, loads the service, its floor and the baseline, and reports', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-bench-'));
    // Its own database: the benchmark's service has its own development KMS key, whose check value
    // must not meet the other tests' keys.
    const db = await createScratchDatabase('bench');
    try {
      await run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'bench/run.ts', '--quick', '--from-source', '--connections', '4', '--only', 'GET /workflows/vault/{id},GET /fault/{id}', '--out', out],
        { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: path.join(out, 'data'), LOG_LEVEL: 'warn', BENCH_LOG_LEVEL: 'warn' }, timeout: 230_000 },
      );
      const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
      expect(results.results.map((r: { name: string }) => r.name)).toEqual(['GET /workflows/vault/{id}', 'GET /fault/{id}']);
      for (const r of results.results) {
        expect(r.requests).toBeGreaterThan(0);
        expect(r.errors).toBe(0);
        expect(r.baseline.requestsPerSecond).toBeGreaterThan(0);
      }
      // The floor (bench/floor.ts) answered the vault read beside the service; GET /fault/{id} has no floor.
      expect(results.results[0].floor.requestsPerSecond).toBeGreaterThan(0);
      expect(results.results[0].floor.errors).toBe(0);
      expect(results.results[0].floorRatio).toBeGreaterThan(0);
      expect(results.results[1].floor).toBeUndefined();
      expect(results.coldStartMs).toBeGreaterThan(0);
      expect(results.tokenVerification.verificationsPerSecond).toBeGreaterThan(0);
      // The events section: deliveries all arrived, every stream saw every event, both POST /fault runs answered.
      expect(results.events.deliveriesPerSecond).toBeGreaterThan(0);
      expect(results.events.fanout.missing).toBe(0);
      expect(results.events.outbox.withReqPerSec).toBeGreaterThan(0);
      expect(results.events.outbox.withoutReqPerSec).toBeGreaterThan(0);
      const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
      expect(md).toContain('| target | measured |');
      expect(md).toContain('| × floor | floor req/s |');
    } finally {
      await db.drop();
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
