/**
 * `npm run bench`: runs every area's benchmark (each module exports `run(): Promise<BenchRow[]>`),
 * prints one table and writes bench/results/all.json. `npm run bench -- face pixel` runs a subset.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

interface BenchRow {
  name: string;
  impl: string;
  ms: number;
  peakRssMb: number;
  notes?: string;
}

const AREAS = ['neural', 'face', 'pixel', 'generative', 'responsiveness', 'scale', 'warm'] as const;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const areas = wanted.length ? AREAS.filter((a) => wanted.includes(a)) : AREAS;

const all: (BenchRow & { area: string })[] = [];
for (const area of areas) {
  let mod: { run?: () => Promise<BenchRow[]> };
  try {
    mod = (await import(`./${area}.ts`)) as typeof mod;
  } catch (e) {
    console.error(`${area}: no benchmark (${(e as Error).message})`);
    continue;
  }
  if (!mod.run) continue;
  console.error(`== ${area}`);
  const rows = await mod.run();
  all.push(...rows.map((r) => ({ area, ...r })));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${area}.json`, JSON.stringify(rows, null, 2) + '\n');
}
console.table(all.map((r) => ({ area: r.area, name: r.name, impl: r.impl, ms: Math.round(r.ms), 'peak RSS MB': Math.round(r.peakRssMb), notes: r.notes ?? '' })));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/all.json', JSON.stringify({ date: new Date().toISOString(), rows: all }, null, 2) + '\n');
console.log('written bench/results/all.json');
