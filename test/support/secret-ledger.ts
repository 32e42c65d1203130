import fs from 'node:fs';
import path from 'node:path';

/**
 * The "no secret in any log" check of the whole e2e run: tests record every
 * secret value, API key and token they use; every app and spawned service
 * appends its log lines; the global teardown searches all lines for all
 * secrets and fails the run on any hit.
 */
function dir(): string | undefined {
  return process.env.E2E_LOG_DIR || undefined;
}

/** Remember a value that must never appear in a log line. Short values are too common to search for. */
export function recordSecret(value: string): string {
  const d = dir();
  if (d && value.length >= 12) fs.appendFileSync(path.join(d, `secrets-${process.pid}.txt`), `${Buffer.from(value).toString('base64')}\n`);
  return value;
}

export function appendLogs(source: string, lines: string[]): void {
  const d = dir();
  if (d && lines.length > 0) fs.appendFileSync(path.join(d, `logs-${process.pid}.jsonl`), `${lines.map((l) => `${source}\t${l}`).join('\n')}\n`);
}

export function scanForSecrets(logDir: string): { lines: number; secrets: number; hits: Array<{ secretIndex: number; source: string }> } {
  const files = fs.readdirSync(logDir);
  const secrets = [
    ...new Set(
      files
        .filter((f) => f.startsWith('secrets-'))
        .flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'))
        .filter(Boolean)
        .map((b64) => Buffer.from(b64, 'base64').toString('utf8')),
    ),
  ];
  const lines = files
    .filter((f) => f.startsWith('logs-'))
    .flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'))
    .filter(Boolean);
  const hits: Array<{ secretIndex: number; source: string }> = [];
  for (const line of lines) {
    const [source, text] = [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)];
    secrets.forEach((secret, secretIndex) => {
      if (text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1))) hits.push({ secretIndex, source });
    });
  }
  return { lines: lines.length, secrets: secrets.length, hits };
}
