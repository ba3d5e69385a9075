#!/usr/bin/env node
// Runs the built CLI (npm run build), or the TypeScript sources through tsx in a development checkout.
// glibc reads its malloc settings only at process start, so unless they are already set the CLI runs
// in a child process that has them: two malloc arenas instead of one per thread, and every block of
// 1 MB or more mapped on its own, so freed image buffers and model activations go back to the system
// (docs/reliability.md).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const src = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const tuned = process.env.MALLOC_ARENA_MAX !== undefined && process.env.MALLOC_MMAP_THRESHOLD_ !== undefined;
const haveBuild = existsSync(built);
if (haveBuild && tuned) {
  await import(pathToFileURL(built).href);
} else {
  const env = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '1048576', ...process.env };
  const args = haveBuild ? [built] : ['--import', 'tsx', src];
  const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit', env });
  // Pass stop signals on, so `darkroom worker` and `darkroom serve` shut down gracefully.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
