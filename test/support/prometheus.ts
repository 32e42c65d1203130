import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackage, stopEngine } from './engines';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

/** Debian's `prometheus` package: `prometheus` and `promtool` (see ensureDebianPackage). */
export function ensurePrometheus(): { prometheus: string; promtool: string } | { skip: string } {
  const prometheus = ensureDebianPackage('prometheus', 'prometheus');
  const promtool = ensureDebianPackage('promtool', 'prometheus');
  return prometheus === undefined || promtool === undefined
    ? { skip: 'SKIPPED Prometheus tests: prometheus/promtool are not installed and could not be (needs root and apt-get: `apt-get install -y prometheus`)' }
    : { prometheus, promtool };
}

/** Runs promtool; stdin is piped when `input` is given. */
export function promtool(binary: string, args: string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync(binary, args, { input, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

export interface PrometheusServer {
  url: string;
  query<T = any>(promql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** A real Prometheus on 127.0.0.1 (its own port and data folder) scraping `target` (host:port) every second. */
export async function startPrometheus(binary: string, target: string, metricsPath = '/metrics'): Promise<PrometheusServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:', '  - job_name: netops-faults-vault', `    metrics_path: ${metricsPath}`, '    static_configs:', `      - targets: ['${target}']`, ''].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Prometheus to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited with code ${child.exitCode}`);
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
  }, 30_000, 100);
  return {
    url,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data: { result: unknown[] } };
      if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
      return body.data.result as any[];
    },
    async close() {
      await stopEngine(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
