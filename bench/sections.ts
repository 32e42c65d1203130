import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LoadCase } from './load';
import { measureInstances } from './instances';
import { measureMetricsScrape } from './metrics-scrape';
import { measureTracingCost } from './tracing-cost';

/** What a section of its own (started with its own processes, run alone with `--only <name>`) gets from bench/run.ts. */
export interface SectionContext {
  /** The bench's service (seeded database, fixtures made): a section may load it or start instances of its own. */
  serviceUrl: string;
  /** How bench/run.ts starts the service (node arguments and environment, DATABASE_URL included). */
  serviceArgs: string[];
  serviceEnv: NodeJS.ProcessEnv;
  /** Every case of bench/cases.ts, fixtures ready; a section picks its own by name. */
  cases: LoadCase[];
  connections: number;
  duration: number;
  warmup: number;
  rounds: number;
  quick: boolean;
  faults: number;
  /** Adds a child process to the ones a Ctrl-C takes down. */
  track: (child: ChildProcess) => void;
}

export interface SectionResult {
  /** Written as results-<name>.json. */
  json: unknown;
  /** Printed, and written as results-<name>.md (the table for docs/benchmarks.md). */
  markdown: string;
}

/** The sections, by the name `--only` selects them with (exact names; case names match by substring). */
export const SECTIONS: Record<string, (ctx: SectionContext) => Promise<SectionResult>> = {
  'metrics-scrape': measureMetricsScrape,
  'tracing-cost': measureTracingCost,
  instances: measureInstances,
};

export const isSection = (name: string): boolean => Object.prototype.hasOwnProperty.call(SECTIONS, name);

/** Runs the named sections one after the other (each stops what it started) and writes their results to `out`. */
export async function runSections(names: string[], ctx: SectionContext, out: string): Promise<void> {
  for (const name of names) {
    console.error(`section ${name}…`);
    const started = Date.now();
    const result = await SECTIONS[name](ctx);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, `results-${name}.json`), `${JSON.stringify({ date: new Date().toISOString(), ...(result.json as object) }, null, 2)}\n`);
    fs.writeFileSync(path.join(out, `results-${name}.md`), `${result.markdown}\n`);
    console.log(`\n${result.markdown}\n(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}
