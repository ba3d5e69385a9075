import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');

/** Builds web/ into web/dist from the current sources, as `npm run build:web` does; the server serves it only if it exists at start. */
export function buildConsole(): void {
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts/build-web.mjs')], { cwd: REPO, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
  if (!existsSync(path.join(REPO, 'web/dist/index.html'))) throw new Error('console build wrote no web/dist/index.html');
}
