/** `darkroom run` and `darkroom styles` (commander commands) against a real Darkroom. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { Client } from '@darkroom/sdk';
import { register as registerRun, runCommand, type Io } from '../../src/cli/commands/run.js';
import { listStyles, register as registerStyles } from '../../src/cli/commands/styles.js';
import type { CliContext } from '../../src/cli/context.js';
import { startTestServer, testPhoto, type TestServer } from '../helpers/harness.js';

let server: TestServer;
let auth: string[];
let key: { clientId: string; clientSecret: string };
const client = () => new Client({ baseUrl: server.baseUrl, clientId: key.clientId, clientSecret: key.clientSecret });
before(async () => {
  server = await startTestServer();
  key = await server.newClient(20);
  auth = ['--url', server.baseUrl, '--client-id', key.clientId, '--client-secret', key.clientSecret];
});
after(async () => server?.close());

const ctx: CliContext = {
  config: () => { throw new Error('no local config in this test'); },
  openStore: () => { throw new Error('not used'); },
};

/** Runs the CLI in-process through commander (output goes to the real stdout). */
async function cli(...args: string[]): Promise<number> {
  const program = new Command('darkroom').exitOverride();
  registerRun(program, ctx);
  registerStyles(program, ctx);
  process.exitCode = 0;
  await program.parseAsync(['node', 'darkroom', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return code;
}

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return { io: { out: (t) => (out += t), err: (t) => (err += t), stream: sink }, out: () => out, err: () => err };
}

test('run on one file writes the result where -o says', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dr-cli-'));
  const input = path.join(dir, 'fruits.jpg');
  writeFileSync(input, await sharp(testPhoto('fruits.jpg')).resize(300).jpeg().toBuffer());
  const out = path.join(dir, 'out', 'enhanced.jpg');
  assert.equal(await cli('run', 'enhance', input, '--param', 'scale=2', '-o', out, ...auth), 0);
  assert.equal((await sharp(out).metadata()).width, 600);
});

test('run over a folder: bounded concurrency, one output per photo, a summary with the failure', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dr-batch-'));
  const photos = path.join(dir, 'in');
  mkdirSync(photos);
  for (const name of ['coffee.png', 'home.jpg', 'rocket.jpg']) {
    await sharp(testPhoto(name)).resize(256).toFile(path.join(photos, name));
  }
  writeFileSync(path.join(photos, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]));
  writeFileSync(path.join(photos, 'readme.txt'), 'not a photo');
  const outDir = path.join(dir, 'out');
  const c = capture();
  const code = await runCommand('color-correct', photos, { output: outDir, concurrency: '2', ref: [], param: [] }, client(), c.io);
  assert.equal(code, 1, 'a failed photo makes the batch exit non-zero');
  assert.match(c.out(), /3 succeeded, 1 failed/);
  assert.match(c.out(), /broken\.jpg\s+FAILED\s+\S+\s+-\s+error_decode_image/);
  const written = readdirSync(outDir);
  for (const base of ['coffee', 'home', 'rocket']) assert.ok(written.some((f) => f.startsWith(`${base}.color-correct.`)), `${base}: ${written.join(',')}`);
  assert.ok(!written.some((f) => f.startsWith('broken')));
});

test('styles lists groups and styles, or says the feature has none', async () => {
  const text = await listStyles(client(), 'hair-style');
  const lines = text.split('\n').filter(Boolean);
  // Each group line is followed by its styles, indented.
  for (const l of lines) assert.match(l, /^(group \d+|  \d+)(\s+.*)?$/);
  assert.ok(lines.some((l) => l.startsWith('group ')) && lines.some((l) => l.startsWith('  ')), text);
  await assert.rejects(listStyles(client(), 'sod'), /sod has no styles/);
});
