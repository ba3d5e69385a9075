import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { WorkerPool } from '../../engines/engine.js';
import { allModels, listModels, LicenceNotAcceptedError, pullableNames, pullModel, type PullProgress } from '../../engines/models/index.js';
import { installedDiffusionModel } from '../../engines/diffusion/index.js';
import { checkDiffusionModel } from '../../engines/diffusion/self-check.js';
import { createEngineRegistry } from '../../engines/registry.js';
import { createWorkerPool } from '../../engines/runtime/pool.js';
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
  feature?: string;
  acceptLicence?: boolean;
  baseUrl?: string;
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
    });
  models
    .command('check [name]')
    .description('run the installed diffusion model once: a fixed-seed image must not be noise or flat, and inpainting must keep the outside of its mask')
    .action(async (name: string | undefined) => {
      const config = ctx.config();
      const modelsDir = config.engines.modelsDir;
      const spec = name ? allModels(modelsDir).find((m) => m.name === name) : installedDiffusionModel(modelsDir);
      if (!spec || spec.role !== 'diffusion') {
        console.error(name ? `${name} is not a diffusion model of the catalog` : 'no diffusion model is installed: run `darkroom models pull lcm-dreamshaper-v7`');
        process.exitCode = 2;
        return;
      }
      const pool = createWorkerPool(1, { idleMs: config.engines.idleReleaseMs });
      try {
        const r = await checkDiffusionModel(pool, spec, modelsDir, config.diffusion.embedded);
        printTable([
          { check: 'neighbour correlation (picture, not noise)', value: r.neighbourCorrelation.toFixed(3) },
          { check: 'luminance spread (not flat)', value: r.luminanceSpread.toFixed(1) },
          { check: 'mean change outside the inpainting mask (levels)', value: r.outsideChange.toFixed(2) },
          { check: 'text-to-image seconds', value: r.seconds.textToImage.toFixed(1) },
          { check: 'inpainting seconds', value: r.seconds.inpaint.toFixed(1) },
        ]);
        for (const p of r.problems) console.error(`${spec.name}: ${p}`);
        console.log(r.ok ? `${spec.name}: ok` : `${spec.name}: FAILED`);
        if (!r.ok) process.exitCode = 1;
      } catch (e) {
        console.error(`${spec.name}: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 1;
      } finally {
        await pool.destroy();
      }
    });
  models
    .command('pull [names...]')
    .description("download models from their public sources into the models dir, verifying sha256 (resumes; honours HTTPS_PROXY)")
    .option('--all', 'every downloadable model')
    .option('--feature <feature>', 'every downloadable model of one feature')
    .option('--accept-licence', 'accept the licence of models restricted to non-commercial use (printed otherwise)')
    .option('--base-url <url>', 'a mirror holding the same file names')
    .action(async (names: string[], opts: PullFlags) => {
      const config = ctx.config();
      const modelsDir = config.engines.modelsDir;
      let wanted = names;
      if (opts.all || opts.feature) wanted = [...new Set([...names, ...pullableNames(modelsDir, opts.feature)])];
      if (wanted.length === 0) {
        console.error(`name a model, or use --all / --feature <f>. Downloadable: ${pullableNames(modelsDir).join(', ')}`);
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
