import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/support/free-port';

export const ROOT = path.resolve(__dirname, '..');

/** Polls `url` until it answers 200; how long that took. Fails when `child` exits first. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited during start`);
    try {
      if ((await fetch(url)).status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface BenchService {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Waits for a child to exit after SIGTERM (at once when it already has). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * One more instance of the built service (the same arguments and environment as the bench's own,
 * `env` on top), on a free port, ready when this resolves. `track` is the bench's list of children,
 * so a Ctrl-C takes it down too.
 */
export async function startService(serviceArgs: string[], env: NodeJS.ProcessEnv, track: (child: ChildProcess) => void): Promise<BenchService> {
  const port = await freePort();
  const child = spawn(process.execPath, serviceArgs, { cwd: ROOT, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/health/ready`, child);
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

/** The service's environment without any OpenTelemetry variable: tracing unset, whatever the shell exports. */
export function withoutOtel(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('OTEL_')));
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The value at quantile q (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const mid = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const m = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
};

/** User + system CPU time a process has used, in ms (Linux /proc; clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A line naming the runs that got anything but the expected status (they are counted, not hidden), or none. */
export function errorLines(runs: Array<{ label: string; errors: number; unexpected?: Record<string, number> }>): string[] {
  const bad = runs.filter((r) => r.errors > 0);
  if (bad.length === 0) return [];
  return [
    '',
    `Unexpected answers: ${bad.map((r) => `${r.label}: ${r.errors}${r.unexpected && Object.keys(r.unexpected).length > 0 ? ` (${Object.entries(r.unexpected).map(([status, n]) => `${n} × ${status}`).join(', ')})` : ' (errors or timeouts)'}`).join('; ')}.`,
  ];
}
