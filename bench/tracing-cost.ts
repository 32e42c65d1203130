/**
 * `npm run bench -- --only tracing-cost`: what OpenTelemetry tracing (src/tracing/) costs the vault read
 * and the fault page (issue 23: the disabled tracer within noise, ≤ 3 %, of none).
 *
 * Four fresh instances of the built service on the bench's database, alike but for the OTEL_* variables:
 *   - unset: no OTEL_* variable, so no SDK is started and no hook registered (OTEL_SDK_DISABLED=true
 *     takes the same path: TracingConfig.enabled is false);
 *   - unset again, a second identical instance: the A/A control, what two equal instances differ by on
 *     this machine (the noise floor the ratios below are read against);
 *   - sampling nothing: OTEL_EXPORTER_OTLP_ENDPOINT set and OTEL_TRACES_SAMPLER=always_off: the SDK,
 *     the request hooks and the pg patch run, every span is a non-recording one, nothing is exported;
 *   - enabled: the same endpoint, the default sampler (parentbased_always_on): a span per request and per
 *     statement, exported in batches over OTLP/HTTP to a sink in this process on 127.0.0.1 that reads
 *     each request's body and answers 200 (it counts requests and bytes, nothing more).
 * Each case loads the four in turn, --rounds times, the order rotated every round; medians shown. Beside
 * req/s and p99: the instance's own CPU time per request (/proc, user + system), which the other work on
 * shared cores disturbs far less than throughput, and the ratios paired by round (each round's four
 * runs follow each other, so they share the machine's conditions), medians of those.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { runLoad, LoadResult } from './load';
import { casesNamed, Compared, compared, rotatedRounds } from './rounds';
import type { SectionContext, SectionResult } from './sections';
import { BenchService, cpuMs, errorLines, fmt, startService, withoutOtel } from './service';

interface OtlpSink {
  url: string;
  requests: number;
  bytes: number;
  close(): Promise<void>;
}

/** An OTLP/HTTP receiver that accepts and discards. */
async function startSink(): Promise<OtlpSink> {
  const sink = { requests: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (sink.bytes += chunk.length));
    req.on('end', () => {
      sink.requests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return sink.requests;
    },
    get bytes() {
      return sink.bytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const CASES = ['GET /workflows/vault/{id}', 'GET /fault?limit=50'];

type Run = LoadResult & { cpuUsPerRequest: number };

export async function measureTracingCost(ctx: SectionContext): Promise<SectionResult> {
  const cases = casesNamed(ctx, 'tracing-cost', CASES);
  const sink = await startSink();
  const base = withoutOtel(ctx.serviceEnv);
  const variants = [
    { name: 'unset', env: base },
    // A second instance like the first: how far two identical instances differ here is the noise floor.
    { name: 'unset, a second instance (noise floor)', env: base },
    { name: 'sampling nothing (always_off)', env: { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_off' } },
    { name: 'enabled, exporting', env: { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } },
  ];
  const services: BenchService[] = [];
  try {
    for (const v of variants) services.push(await startService(ctx.serviceArgs, v.env, ctx.track));
    const rows: Array<{ case: string; variants: Array<Compared<Run> & { p99Ratio: number; cpuRatio: number }> }> = [];
    for (const c of cases) {
      if (ctx.warmup > 0) for (const s of services) await runLoad(s.url, c, ctx.connections, Math.max(1, Math.round(ctx.warmup / 3)));
      const runs = await rotatedRounds(variants.length, ctx.rounds, async (i): Promise<Run> => {
        const cpuBefore = cpuMs(services[i].pid);
        const r = await runLoad(services[i].url, c, ctx.connections, ctx.duration);
        return { ...r, cpuUsPerRequest: (1000 * (cpuMs(services[i].pid) - cpuBefore)) / Math.max(r.requests, 1) };
      });
      const [unset, ...others] = compared(variants.map((v) => v.name), runs, ['cpuUsPerRequest']);
      rows.push({
        case: c.name,
        variants: [unset, ...others].map((v) => ({
          ...v,
          p99Ratio: v.median.p99Ms / Math.max(unset.median.p99Ms, 0.001),
          cpuRatio: v.median.cpuUsPerRequest / unset.median.cpuUsPerRequest,
        })),
      });
    }
    // What the enabled instance had exported when the loads ended (the batch processor sends every 5 s or 512 spans).
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const exported = { requests: sink.requests, bytes: sink.bytes };

    const md = [
      `OpenTelemetry's cost (\`npm run bench -- --only tracing-cost\`): four instances, ${ctx.connections} connections, ${ctx.duration} s per run, ` +
        `${ctx.rounds} round${ctx.rounds === 1 ? '' : 's'} with the order rotated, medians; ratios to the instance without tracing.`,
      '',
      '| case | tracing | req/s | p50 ms | p99 ms | req/s × unset | same, paired by round | p99 × unset | CPU µs per request | CPU × unset |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.flatMap((r) =>
        r.variants.map(
          (v) =>
            `| \`${r.case}\` | ${v.name} | ${fmt(v.median.requestsPerSecond)} | ${fmt(v.median.p50Ms, 1)} | ${fmt(v.median.p99Ms, 1)} | ${fmt(v.ratio, 3)} | ${fmt(v.pairedRatio, 3)} | ${fmt(v.p99Ratio, 2)} | ` +
            `${fmt(v.median.cpuUsPerRequest)} | ${fmt(v.cpuRatio, 3)} |`,
        ),
      ),
      '',
      `The sink received ${fmt(exported.requests)} OTLP/HTTP export requests (${fmt(exported.bytes / 1048576, 1)} MiB), all from the enabled instance.`,
      '',
      '| target | measured | |',
      '|---|---|---|',
      ...rows.map((r) => {
        const off = r.variants[2];
        // Judged paired by round, against the A/A control: when two identical instances differ by more than 3 %, a 3 % goal cannot be read here.
        const noise = Math.abs(1 - r.variants[1].pairedRatio);
        const verdict = noise > 0.03 ? `not resolvable: two identical instances differ by ${fmt(100 * noise, 1)} %` : off.pairedRatio >= 0.97 ? 'met' : '**missed**';
        return (
          `| \`${r.case}\`: SDK started, sampling nothing, within 3 % of unset | ${fmt(100 * (1 - off.pairedRatio), 1)} % fewer req/s paired by round (medians ${fmt(off.median.requestsPerSecond)} vs ${fmt(r.variants[0].median.requestsPerSecond)}), ` +
          `CPU per request ${fmt(100 * (off.cpuRatio - 1), 1)} % | ${verdict} |`
        );
      }),
      ...errorLines(rows.flatMap((r) => r.variants.map((v) => ({ label: `${r.case}, ${v.name}`, ...v.median })))),
    ].join('\n');
    return { json: { connections: ctx.connections, durationSeconds: ctx.duration, rounds: ctx.rounds, exported, rows }, markdown: md };
  } finally {
    for (const s of services) await s.stop();
    await sink.close();
  }
}
