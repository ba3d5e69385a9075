import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelRole, ModelSignature } from '../../../src/engines/models/index.js';

/**
 * Installs a test model the way an operator adds their own export: the file in
 * `<modelsDir>/<name>/` and an entry with its sha256 in `<modelsDir>/catalog.json`.
 */
export function installLocalModel(modelsDir: string, m: { name: string; role: ModelRole; signature: ModelSignature; features: string[]; file: string; bytes: Buffer; rank?: number; maxPixels?: number; outputScale?: 1 | 255 }): string {
  mkdirSync(path.join(modelsDir, m.name), { recursive: true });
  const file = path.join(modelsDir, m.name, m.file);
  writeFileSync(file, m.bytes);
  const catalogFile = path.join(modelsDir, 'catalog.json');
  const entries = existsSync(catalogFile) ? (JSON.parse(readFileSync(catalogFile, 'utf8')) as { name: string }[]) : [];
  const entry = { name: m.name, role: m.role, signature: m.signature, features: m.features, files: [{ path: m.file, sha256: createHash('sha256').update(m.bytes).digest('hex') }], rank: m.rank, maxPixels: m.maxPixels, outputScale: m.outputScale };
  writeFileSync(catalogFile, JSON.stringify([...entries.filter((e) => e.name !== m.name), entry]));
  return file;
}
