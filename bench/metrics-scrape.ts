/**
 * `npm run bench -- --only metrics-scrape`: what one `GET /metrics` costs at the bench's fault count
 * (1,000,000 by default; issue 23's goal: < 20 ms).
 *
 * Two fresh instances of the built service on the bench's database: one as configured by default (the
 * queue and outbox gauges read at most every METRICS_QUERY_CACHE_MS = 5 s, so most scrapes are served
 * from memory) and one with METRICS_QUERY_CACHE_MS=0 (every scrape runs the two gauge queries: the worst
 * case, a scrape interval longer than the cache). Each is first sent one request of every bench case and
 * 200 distinct unknown paths, so the exposition holds the series a working instance has. Then, rounds
 * alternating between the two, scrapes one at a time: with the instance otherwise idle (timed client-side,
 * body read; plus the instance's CPU time per scrape from /proc), and while `GET /fault?limit=50` loads it
 * at the bench's connections (a scrape every 100 ms for the whole load). Latencies of all rounds are pooled.
 */
import { runLoad, LoadCase, LoadResult } from './load';
import type { SectionContext, SectionResult } from './sections';
import { BenchService, cpuMs, errorLines, fmt, mid, quantile, startService } from './service';

interface ScrapeStats {
  scrapes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface VariantResult {
  name: string;
  env: Record<string, string>;
  idle: ScrapeStats & { cpuMsPerScrape: number };
  loaded: ScrapeStats & { load: LoadResult };
  bytes: number;
  series: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(url: string): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const res = await fetch(`${url}/metrics`);
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`GET /metrics → ${res.status}`);
  return { ms, body };
}

const stats = (samples: number[]): ScrapeStats => ({ scrapes: samples.length, p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99), maxMs: Math.max(...samples) });

/** One request of every case, and unknown paths: the series a working instance exposes. */
async function prime(service: BenchService, cases: LoadCase[]): Promise<void> {
  for (const c of cases) {
    const body = typeof c.body === 'function' ? (c.body as () => object)() : c.body;
    const res = await fetch(`${service.url}${c.path}`, {
      method: c.method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...c.headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    await res.arrayBuffer();
  }
  for (let i = 0; i < 200; i++) await (await fetch(`${service.url}/no-such-path/${i}`)).arrayBuffer();
}

export async function measureMetricsScrape(ctx: SectionContext): Promise<SectionResult> {
  const page = ctx.cases.find((c) => c.name === 'GET /fault?limit=50');
  if (page === undefined) throw new Error('metrics-scrape: the GET /fault?limit=50 case is missing');
  const idleScrapes = ctx.quick ? 20 : 100;
  const variants = [
    { name: 'defaults (gauge queries cached 5 s)', env: {} as Record<string, string> },
    { name: 'METRICS_QUERY_CACHE_MS=0 (gauge queries on every scrape)', env: { METRICS_QUERY_CACHE_MS: '0' } },
  ];
  const services: BenchService[] = [];
  try {
    for (const v of variants) services.push(await startService(ctx.serviceArgs, { ...ctx.serviceEnv, ...v.env }, ctx.track));
    for (const s of services) await prime(s, ctx.cases);
    if (ctx.warmup > 0) for (const s of services) await runLoad(s.url, page, ctx.connections, Math.max(1, Math.round(ctx.warmup / 3)));

    const idle = variants.map(() => [] as number[]);
    const loaded = variants.map(() => [] as number[]);
    const cpu = variants.map(() => [] as number[]);
    const loads = variants.map(() => [] as LoadResult[]);
    for (let round = 0; round < ctx.rounds; round++) {
      // Alternate which variant goes first, so neither always follows the other's load.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const s = services[i];
        await sleep(1000);
        const cpuBefore = cpuMs(s.pid);
        for (let n = 0; n < idleScrapes; n++) {
          idle[i].push((await scrape(s.url)).ms);
          await sleep(10);
        }
        cpu[i].push((cpuMs(s.pid) - cpuBefore) / idleScrapes);

        let loading = true;
        const scraping = (async () => {
          await sleep(500); // the load reaches its connections first
          while (loading) {
            loaded[i].push((await scrape(s.url)).ms);
            await sleep(100);
          }
        })();
        loads[i].push(await runLoad(s.url, page, ctx.connections, ctx.duration));
        loading = false;
        await scraping;
      }
    }
    const results: VariantResult[] = [];
    for (const [i, v] of variants.entries()) {
      const { body } = await scrape(services[i].url);
      const load = loads[i];
      results.push({
        name: v.name,
        env: v.env,
        idle: { ...stats(idle[i]), cpuMsPerScrape: mid(cpu[i]) },
        loaded: {
          ...stats(loaded[i]),
          load: { requestsPerSecond: mid(load.map((l) => l.requestsPerSecond)), p50Ms: mid(load.map((l) => l.p50Ms)), p99Ms: mid(load.map((l) => l.p99Ms)), errors: load.reduce((s, l) => s + l.errors, 0), requests: load.reduce((s, l) => s + l.requests, 0) },
        },
        bytes: Buffer.byteLength(body),
        series: body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length,
      });
    }
    const md = [
      `GET /metrics at ${fmt(ctx.faults)} faults (\`npm run bench -- --only metrics-scrape\`): scrapes one at a time, timed by the client (body read), ` +
        `${ctx.rounds} alternating round${ctx.rounds === 1 ? '' : 's'} of ${idleScrapes} idle scrapes and one ${ctx.duration} s load of \`GET /fault?limit=50\` at ${ctx.connections} connections (a scrape every 100 ms), latencies pooled.`,
      '',
      '| instance | exposition | idle p50 ms | idle p99 ms | CPU ms per scrape | loaded p50 ms | loaded p99 ms | loaded max ms | fault page under it |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${fmt(r.series)} series, ${fmt(r.bytes / 1024, 0)} KiB | ${fmt(r.idle.p50Ms, 1)} | ${fmt(r.idle.p99Ms, 1)} | ${fmt(r.idle.cpuMsPerScrape, 1)} | ` +
          `${fmt(r.loaded.p50Ms, 1)} | ${fmt(r.loaded.p99Ms, 1)} | ${fmt(r.loaded.maxMs, 1)} | ${fmt(r.loaded.load.requestsPerSecond)} req/s, p99 ${fmt(r.loaded.load.p99Ms, 1)} ms |`,
      ),
      '',
      '| target | measured | |',
      '|---|---|---|',
      ...results.map((r) => `| one scrape < 20 ms at ${fmt(ctx.faults)} faults, idle, ${r.name} | p50 ${fmt(r.idle.p50Ms, 1)} ms, p99 ${fmt(r.idle.p99Ms, 1)} ms | ${r.idle.p99Ms < 20 ? 'met' : '**missed**'} |`),
      ...errorLines(results.map((r) => ({ label: `fault page load, ${r.name}`, ...r.loaded.load }))),
    ].join('\n');
    return { json: { faults: ctx.faults, connections: ctx.connections, durationSeconds: ctx.duration, rounds: ctx.rounds, idleScrapesPerRound: idleScrapes, results }, markdown: md };
  } finally {
    for (const s of services) await s.stop();
  }
}
