#!/usr/bin/env node
// Runs `npm run build` only when a build input is newer than the last successful build, so
// `npm start` starts in about a second after the first build (make-style, by modification time:
// a `git pull` or an edit touches the files it changes).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
/** What `npm run build` reads; outputs (dist folders) and dependencies are not inputs. */
const INPUTS = ['src', 'sdk/src', 'web/src', 'web/index.html', 'package.json', 'package-lock.json', 'sdk/package.json', 'sdk/tsconfig.json', 'tsconfig.json', 'tsconfig.build.json', 'web/tsconfig.json', 'scripts/build-web.mjs'];
const OUTPUTS = ['dist/cli/main.js', 'sdk/dist/index.js', 'web/dist/index.html'];

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), st.mtimeMs);
}

function isStale() {
  if (!existsSync(STAMP) || OUTPUTS.some((o) => !existsSync(path.join(root, o)))) return true;
  const built = statSync(STAMP).mtimeMs;
  return INPUTS.some((i) => newest(path.join(root, i)) > built);
}

if (process.argv.includes('--force') || isStale()) {
  const started = new Date();
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  // Stamped with the start time: a file edited during the build still counts as newer.
  writeFileSync(STAMP, `${started.toISOString()}\n`);
  utimesSync(STAMP, started, started);
}
