/**
 * `npm run bench -- --only instances`: three instances behind HAProxy against one, on the report path
 * (POST /fault without a dedup_key, with a new one each time, and merging into open faults; issue 24).
 *
 * Three fresh instances of the built service on the bench's one database, and two of Debian's HAProxy
 * on 127.0.0.1 (round-robin, request by request, keep-alive to the instances): one in front of the first
 * instance alone, one in front of all three. Each case loads, in turn, the first instance directly, the
 * first through HAProxy (what the extra hop costs) and the three through HAProxy, --rounds times with
 * the order rotated; medians shown. The two others idle while one instance is loaded alone.
 *
 * On a machine where the load generator, HAProxy, every instance and PostgreSQL share the same cores this
 * cannot show scaling (there is no idle core for a second instance to use): the figures say what the
 * balancer and the extra processes cost here, not what three instances give on hosts of their own.
 */
import { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { Haproxy, ensureHaproxy, startHaproxy } from '../test/support/haproxy';
import { runLoad, LoadResult } from './load';
import { casesNamed, Compared, compared, rotatedRounds } from './rounds';
import type { SectionContext, SectionResult } from './sections';
import { BenchService, cpuMs, errorLines, fmt, startService } from './service';

const CASES = ['POST /fault', 'POST /fault (new dedup_key each: creates)', 'POST /fault (dedup_key merging into 1 of 1,000 open faults)'];

/** One run, with the CPU time per request of the three instances together and of the balancers. */
type Run = LoadResult & { serviceCpuUsPerRequest: number; haproxyCpuUsPerRequest: number };

/** HAProxy balancing round-robin over `backends`, configured as the tests' (test/support/haproxy.ts). */
async function startBalancer(backends: string[], track: (child: ChildProcess) => void): Promise<Haproxy> {
  const haproxy = ensureHaproxy();
  if ('skip' in haproxy) throw new Error('instances: haproxy is not installed and could not be (apt-get install -y haproxy)');
  return startHaproxy(haproxy.binary, backends, track);
}

export async function measureInstances(ctx: SectionContext): Promise<SectionResult> {
  const cases = casesNamed(ctx, 'instances', CASES);
  const services: BenchService[] = [];
  const balancers: Haproxy[] = [];
  try {
    for (let i = 0; i < 3; i++) services.push(await startService(ctx.serviceArgs, ctx.serviceEnv, ctx.track));
    balancers.push(await startBalancer([services[0].url], ctx.track));
    balancers.push(await startBalancer(services.map((s) => s.url), ctx.track));
    const targets = [
      { name: 'one instance, direct', url: services[0].url },
      { name: 'one instance behind HAProxy', url: balancers[0].url },
      { name: 'three instances behind HAProxy', url: balancers[1].url },
    ];
    const rows: Array<{ case: string; targets: Array<Compared<Run>> }> = [];
    const cpu = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
    for (const c of cases) {
      if (ctx.warmup > 0) for (const t of targets) await runLoad(t.url, c, ctx.connections, Math.max(1, Math.round(ctx.warmup / 3)));
      const runs = await rotatedRounds(targets.length, ctx.rounds, async (i): Promise<Run> => {
        const servicesBefore = cpu(services.map((s) => s.pid));
        const balancersBefore = cpu(balancers.map((b) => b.pid));
        const r = await runLoad(targets[i].url, c, ctx.connections, ctx.duration);
        const per = (ms: number): number => (1000 * ms) / Math.max(r.requests, 1);
        return { ...r, serviceCpuUsPerRequest: per(cpu(services.map((s) => s.pid)) - servicesBefore), haproxyCpuUsPerRequest: per(cpu(balancers.map((b) => b.pid)) - balancersBefore) };
      });
      rows.push({ case: c.name, targets: compared(targets.map((t) => t.name), runs, ['serviceCpuUsPerRequest', 'haproxyCpuUsPerRequest']) });
    }
    const md = [
      `One instance vs three behind HAProxy on the report path (\`npm run bench -- --only instances\`): one database, ${os.cpus().length} cores shared by everything, ` +
        `${ctx.connections} connections, ${ctx.duration} s per run, ${ctx.rounds} round${ctx.rounds === 1 ? '' : 's'} with the order rotated, medians; × = req/s over one instance direct.`,
      '',
      '| case | served by | req/s | p50 ms | p99 ms | × one instance | same, paired by round | instances\' CPU µs per request | HAProxy CPU µs per request |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.flatMap((r) =>
        r.targets.map(
          (t) =>
            `| \`${r.case}\` | ${t.name} | ${fmt(t.median.requestsPerSecond)} | ${fmt(t.median.p50Ms, 1)} | ${fmt(t.median.p99Ms, 1)} | ${fmt(t.ratio, 2)} | ${fmt(t.pairedRatio, 2)} | ` +
            `${fmt(t.median.serviceCpuUsPerRequest)} | ${fmt(t.median.haproxyCpuUsPerRequest)} |`,
        ),
      ),
      ...errorLines(rows.flatMap((r) => r.targets.map((t) => ({ label: `${r.case}, ${t.name}`, ...t.median })))),
    ].join('\n');
    return { json: { cores: os.cpus().length, connections: ctx.connections, durationSeconds: ctx.duration, rounds: ctx.rounds, rows }, markdown: md };
  } finally {
    for (const b of balancers) await b.close();
    for (const s of services) await s.stop();
  }
}
