/**
 * `npm run bench:quality`: every feature's quality module (bench/quality/<name>.ts exporting a
 * QualityModule as `quality`), each on synthetic ground truth beside a baseline computed in the same run.
 * Prints the rows and the per-metric medians, checks the floors, writes bench/results/quality.json.
 * `npm run bench:quality -- color-correct` runs the modules whose features include that id.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './quality/images.js';
import type { QualityFloor, QualityModule, QualityRow } from './quality/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUPPORT = new Set(['types.ts', 'images.ts', 'metrics.ts', 'sheet.ts', 'baselines.ts', 'fill-metrics.ts']);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));

const modules: { name: string; mod: QualityModule }[] = [];
for (const file of readdirSync(path.join(here, 'quality')).filter((f) => f.endsWith('.ts') && !SUPPORT.has(f)).sort()) {
  const exported = (await import(`./quality/${file}`)) as { quality?: QualityModule };
  if (!exported.quality) continue;
  if (wanted.length && !exported.quality.features.some((f) => wanted.includes(f)) && !wanted.includes(file.replace(/\.ts$/, ''))) continue;
  modules.push({ name: file.replace(/\.ts$/, ''), mod: exported.quality });
}

interface Summary {
  feature: string;
  metric: string;
  cases: number;
  darkroom: number;
  baseline?: number;
  baselineName?: string;
  better: 'higher' | 'lower';
}

const rows: QualityRow[] = [];
const floors: QualityFloor[] = [];
for (const { name, mod } of modules) {
  console.error(`== ${name}`);
  rows.push(...(await mod.run()));
  floors.push(...(mod.floors ?? []));
}

const groups = new Map<string, QualityRow[]>();
for (const r of rows) {
  const key = `${r.feature}\u0000${r.metric}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
const summary: Summary[] = [...groups.values()].map((g) => ({
  feature: g[0].feature,
  metric: g[0].metric,
  cases: g.length,
  darkroom: median(g.map((r) => r.darkroom)),
  baseline: g.some((r) => r.baseline !== undefined) ? median(g.map((r) => r.baseline ?? NaN)) : undefined,
  baselineName: g.find((r) => r.baselineName)?.baselineName,
  better: g[0].better,
}));

const checks = floors.map((f) => {
  const g = groups.get(`${f.feature}\u0000${f.metric}`) ?? [];
  const figure = (r: QualityRow) => (f.versusBaseline ? (f.better === 'higher' ? r.darkroom - (r.baseline ?? NaN) : (r.baseline ?? NaN) - r.darkroom) : r.darkroom);
  const values = g.map(figure);
  const ok = (v: number) => (f.versusBaseline ? v >= f.limit : f.better === 'higher' ? v >= f.limit : v <= f.limit);
  const held = g.length > 0 && (f.over === 'median' ? ok(median(values)) : values.every(ok));
  return { ...f, value: f.over === 'median' ? median(values) : f.versusBaseline || f.better === 'higher' ? Math.min(...values) : Math.max(...values), held };
});

const round = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : Math.round(v * 1000) / 1000);
console.table(summary.map((s) => ({ feature: s.feature, metric: s.metric, cases: s.cases, darkroom: round(s.darkroom), baseline: round(s.baseline), 'baseline is': s.baselineName ?? '', better: s.better })));
if (checks.length) console.table(checks.map((c) => ({ feature: c.feature, metric: c.metric, over: c.over, limit: c.versusBaseline ? `${c.limit} over baseline` : c.limit, value: round(c.value), held: c.held })));
const out = path.join(here, 'results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'quality.json'), JSON.stringify({ date: new Date().toISOString(), summary, floors: checks, rows }, null, 2) + '\n');
console.log('written bench/results/quality.json');
if (checks.some((c) => !c.held)) process.exitCode = 1;
