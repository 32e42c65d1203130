import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_SCOPES, USER_SCOPES } from '../src/common/scopes';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The fenced code blocks of a Markdown file. */
function codeBlocks(text: string): string[] {
  return [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

/** What an operator meets in the first hour: examples that run against any address, a README that fits a terminal. */
describe('README and docs', () => {
  it.each(DOCS)('%s: every curl example runs against BASE=${BASE:-http://localhost:3000}', (file) => {
    for (const block of codeBlocks(read(file))) {
      const curls = block.split('\n').filter((l) => /\bcurl\b/.test(l) && !l.trimStart().startsWith('#'));
      if (curls.length === 0) continue;
      expect(curls.filter((l) => /localhost:\d+|127\.0\.0\.1:\d+/.test(l))).toEqual([]);
      if (curls.some((l) => l.includes('$BASE'))) expect(block).toContain('BASE=${BASE:-http://localhost:3000}');
    }
  });

  it('keeps the benchmark essays in docs/benchmarks.md, a table and a link in the README', () => {
    const readme = read('README.md');
    const section = /### Benchmark results\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    expect(section).toContain('[docs/benchmarks.md](docs/benchmarks.md)');
    expect(section).toMatch(/^\| target \| measured \| \|$/m);
    expect(section.split('\n').length).toBeLessThan(30);
    expect(read('docs/benchmarks.md')).toContain('Where the time goes');
  });

  it('names every scope, how to open psql on the embedded database, and how long the suite takes', () => {
    const readme = read('README.md');
    for (const scope of [...USER_SCOPES, ...SERVICE_SCOPES]) expect(readme).toContain(`\`${scope}\``);
    expect(readme).toMatch(/PGPASSWORD=\$\(cat \.data\/secrets\/postgres-password\) psql -h 127\.0\.0\.1 -p \$\{EMBEDDED_PG_PORT:-54329\} -U postgres app/);
    expect(readme).toMatch(/npm test .*~\d+ min/);
  });
});
