/**
 * Writes the bad-input corpus to a folder: one file per binary input and `manifest.json` listing
 * every case with the answer it must get. `npx tsx test/reliability/bad-inputs/generate.ts [outDir]`
 * (default artifacts/reliability/bad-inputs). test/reliability/bad-inputs.test.ts runs the same
 * corpus against a live server without writing anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { buildCorpus, type BadInputCase } from './corpus.js';

function stored(dir: string, data: Buffer): string {
  const name = `${createHash('sha256').update(data).digest('hex').slice(0, 16)}.bin`;
  writeFileSync(path.join(dir, name), data);
  return name;
}

function describe(dir: string, c: BadInputCase): Record<string, unknown> {
  switch (c.kind) {
    case 'http':
      return { ...c, body: Buffer.isBuffer(c.body) ? { file: stored(dir, c.body) } : c.body && c.body.length > 2000 ? `${c.body.slice(0, 200)}… (${c.body.length} chars)` : c.body };
    case 'upload':
      return { ...c, data: { file: stored(dir, c.data), bytes: c.data.length } };
    case 'task':
      return { ...c, inputs: c.inputs.map((i) => ({ set: i.set, contentType: i.contentType, file: stored(dir, i.data), bytes: i.data.length })) };
  }
}

const outDir = path.resolve(process.argv[2] ?? 'artifacts/reliability/bad-inputs');
const filesDir = path.join(outDir, 'files');
mkdirSync(filesDir, { recursive: true });
const corpus = await buildCorpus();
const manifest = corpus.map((c) => describe(filesDir, c));
writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2));
const byGroup = new Map<string, number>();
for (const c of corpus) byGroup.set(c.group, (byGroup.get(c.group) ?? 0) + 1);
console.log(`${corpus.length} cases written to ${outDir}`);
for (const [g, n] of [...byGroup].sort()) console.log(`  ${g.padEnd(18)} ${n}`);
