#!/usr/bin/env node
// Runs node's test runner (with the tsx loader) over every *.test.ts file under the given folders.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
// A folder or file that does not exist is a mistake in the script that names it, not an empty suite.
const missing = args.filter((a) => !existsSync(a));
if (missing.length > 0) {
  console.error(`no such test folder or file: ${missing.join(', ')}`);
  process.exit(1);
}
const filter = process.env.TEST_FILTER;
let files = args.flatMap((d) => (d.endsWith('.ts') ? [d] : collect(d, [])));
if (filter) files = files.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error(`no test files under ${args.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(r.status ?? 1);
