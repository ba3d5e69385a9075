import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { WorkerPool } from '../../engines/engine.js';
import { allModels, listModels, LicenceNotAcceptedError, pullableNames, pullModel, type PullProgress } from '../../engines/models/index.js';
import { checkDiffusionModels } from '../../engines/diffusion/self-check.js';
import { readAutoPullStatus, recommendedModels } from '../../engines/models/auto-pull.js';
import { checkModels } from '../../engines/models/check.js';
import { createEngineRegistry } from '../../engines/registry.js';
import { featureStatus } from '../../engines/routing/status.js';
import { printTable, quietLog, type CliContext } from '../context.js';

const NO_POOL: WorkerPool = {
  size: 0,
  roomyMemory: false,
  asOneTask: (work) => work(),
  run: () => Promise.reject(new Error('no worker pool in the CLI listing')),
  destroy: async () => undefined,
};

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

interface PullFlags {
  all?: boolean;
  recommended?: boolean;
  feature?: string;
  acceptLicence?: boolean;
  baseUrl?: string;
  to?: string;
}

/** The background download's progress, as the serving process last wrote it. */
function printAutoPull(modelsDir: string): void {
  const status = readAutoPullStatus(modelsDir);
  if (!status) return;
  console.log(`\nBackground download of the recommended models (auto-pull, updated ${status.updatedAt})`);
  printTable(
    status.models.map((m) => ({
      model: m.name,
      state: m.state === 'downloading' && m.total ? `downloading ${Math.floor((100 * (m.received ?? 0)) / m.total)}%` : m.state,
      'size MB': m.sizeMB ?? '',
      note: m.error ?? '',
    })),
  );
  if (status.nextRetryAt) console.log(`next try: ${status.nextRetryAt}`);
}

export function register(program: Command, ctx: CliContext): void {
  const models = program.command('models').description('engines and model weights');
  models
    .command('list')
    .description('which engine serves each feature now and what would upgrade it; every catalog model with its source and state')
    .action(() => {
      const config = ctx.config();
      const engines = createEngineRegistry({ config, log: quietLog, pool: NO_POOL });
      console.log('Features');
      printTable(featureStatus(config, engines).map((s) => ({ feature: s.feature, available: s.available ? 'yes' : 'no', engine: s.engine ?? '', upgrade: s.upgrade ?? s.reason ?? '' })));
      console.log(`\nModels (downloaded weights live in ${config.engines.modelsDir}/<name>/)`);
      printTable(
        listModels(config.engines.modelsDir).map((m) => ({
          model: m.name,
          features: m.features.join(' '),
          state: m.state === 'installed' ? `installed (${m.origin === 'package' ? 'npm' : 'models dir'})` : m.state,
          used: m.wired ? 'yes' : 'not yet (loader only)',
          'size MB': m.sizeMB ?? '',
          licence: m.license,
          checksum: m.checksum,
          source: m.source ?? '',
        })),
      );
      printAutoPull(config.engines.modelsDir);
    });
  models
    .command('check [names...]')
    .description('run every installed model once on a built-in photo and check that its result is sane; exits 1 when one fails')
    .action(async (names: string[]) => {
      const config = ctx.config();
      const modelsDir = config.engines.modelsDir;
      const results = [...(await checkModels(modelsDir, names)), ...(await checkDiffusionModels(modelsDir, config, names))];
      if (results.length === 0) console.log(`no downloadable model is installed in ${modelsDir} (npm-shipped models are checked by their packages)`);
      for (const r of results) console.log(r.passed ? `ok      ${r.name}: ${r.detail}` : `FAILED  ${r.name}: ${r.detail}`);
      if (results.some((r) => !r.passed)) process.exitCode = 1;
    });
  models
    .command('pull [names...]')
    .description("download models from their public sources into the models dir, verifying sha256 (resumes; honours HTTPS_PROXY)")
    .option('--all', 'every downloadable model')
    .option('--recommended', 'the set the first start fetches (LaMa, DDColor-tiny, Real-ESRGAN general x4v3)')
    .option('--feature <feature>', 'every downloadable model of one feature')
    .option('--accept-licence', 'accept the licence of models restricted to non-commercial use (printed otherwise)')
    .option('--base-url <url>', 'a mirror holding the same file names')
    .option('--to <dir>', 'download into this folder instead of the models dir (copy it to an offline host, or serve it as a --base-url mirror)')
    .action(async (names: string[], opts: PullFlags) => {
      const config = ctx.config();
      const modelsDir = opts.to ? path.resolve(opts.to) : config.engines.modelsDir;
      let wanted = names;
      if (opts.all || opts.feature) wanted = [...new Set([...names, ...pullableNames(modelsDir, opts.feature)])];
      if (opts.recommended) wanted = [...new Set([...wanted, ...recommendedModels(modelsDir).map((m) => m.name)])];
      if (wanted.length === 0) {
        console.error(`name a model, or use --all / --recommended / --feature <f>. Downloadable: ${pullableNames(modelsDir).join(', ')}`);
        process.exitCode = 2;
        return;
      }
      // --all skips (and names) restricted models unless their licence is accepted.
      const bulk = (opts.all || opts.feature) && !opts.acceptLicence;
      const specs = allModels(modelsDir);
      const bar = new cliProgress.SingleBar({ format: '{model} {file} [{bar}] {percentage}% {done}/{size} MB', hideCursor: true }, cliProgress.Presets.shades_classic);
      let failed = 0;
      for (const name of wanted) {
        const spec = specs.find((m) => m.name === name);
        if (bulk && spec?.licenceNotice && !names.includes(name)) {
          console.log(`skipped ${name}: ${spec.license}. Pull it with --accept-licence after reading: ${spec.licenceNotice}`);
          continue;
        }
        let started = false;
        const onProgress = (p: PullProgress) => {
          const size = p.total ?? p.received;
          if (!started) {
            bar.start(size, p.received, { model: p.model, file: p.file, done: mb(p.received), size: mb(size) });
            started = true;
          }
          bar.setTotal(size);
          bar.update(p.received, { model: p.model, file: p.file, done: mb(p.received), size: mb(size) });
        };
        try {
          if (spec?.licenceNotice && opts.acceptLicence) console.log(`${name}: ${spec.license}\n${spec.licenceNotice}`);
          const r = await pullModel(name, { modelsDir, baseUrl: opts.baseUrl, acceptLicence: opts.acceptLicence, onProgress, onNote: (m) => console.log(m) });
          if (started) bar.stop();
          console.log(r.downloaded ? `installed ${r.name} in ${r.dir} (sha256 verified)` : `${r.name} is already installed in ${r.dir} (sha256 verified)`);
        } catch (e) {
          if (started) bar.stop();
          failed++;
          console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
          if (e instanceof LicenceNotAcceptedError) continue;
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}
