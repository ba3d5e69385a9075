/** What every benchmark module shares: the row shape, the timer with peak-RSS sampling, the output. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  name: string;
  impl: string;
  ms: number;
  peakRssMb: number;
  notes?: string;
}

export const TESTDATA = process.env.DARKROOM_TESTDATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/testdata');

/** Times one call while sampling the process RSS (worker threads included) every 20 ms. */
export async function measure(name: string, impl: string, fn: () => Promise<unknown> | unknown, notes?: string): Promise<BenchRow> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stderr.write(`${name} | ${impl}: ${Math.round(ms)} ms\n`);
  return { name, impl, ms: Math.round(ms), peakRssMb: Math.round(peak / 2 ** 20), notes };
}

/** True when the module at `importMetaUrl` is the script node was started with. */
export function isMain(importMetaUrl: string): boolean {
  return !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(importMetaUrl);
}

/** Prints the rows as a table and writes them to bench/results/<area>.json. */
export function report(area: string, rows: BenchRow[]): void {
  console.table(rows);
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${area}.json`), JSON.stringify(rows, null, 2) + '\n');
}
