import { spawn } from 'node:child_process';
import path from 'node:path';
import { appendLogs } from './secret-ledger';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ScriptRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Every line it wrote to stdout and stderr. */
  output: string[];
}

/** Runs one of the CLIs in scripts/ (as `npm run` would, from source); `killAfter` SIGKILLs it once a line matches. */
export function runScript(script: string, env: Record<string, string>, args: string[], killAfter?: RegExp): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'scripts', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    // A pipe hands over chunks, not lines: keep each stream's unfinished last line until its end arrives.
    const collector = (): { push: (chunk: Buffer) => void; flush: () => void } => {
      let partial = '';
      const line = (text: string): void => {
        if (!text) return;
        output.push(text);
        if (killAfter?.test(text)) child.kill('SIGKILL');
      };
      return {
        push: (chunk) => {
          const lines = (partial + chunk.toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          lines.forEach(line);
        },
        flush: () => {
          line(partial);
          partial = '';
        },
      };
    };
    const out = collector();
    const err = collector();
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    child.once('close', (code, signal) => {
      out.flush();
      err.flush();
      appendLogs(script, output);
      resolve({ code, signal, output });
    });
  });
}
