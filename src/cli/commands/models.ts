import type { Command } from 'commander';
import { createEngineRegistry } from '../../engines/registry.js';
import type { WorkerPool } from '../../engines/engine.js';
import { listModels, pullModel } from '../../engines/models/index.js';
import { FEATURES } from '../../features/table.js';
import { printTable, quietLog, type CliContext } from '../context.js';

const NO_POOL: WorkerPool = {
  size: 0,
  run: () => Promise.reject(new Error('no worker pool in the CLI listing')),
  destroy: async () => undefined,
};

export function register(program: Command, ctx: CliContext): void {
  const models = program.command('models').description('engines and model weights');
  models
    .command('list')
    .description('which features this server can run and why not, and the model files it knows')
    .action(() => {
      const config = ctx.config();
      const engines = createEngineRegistry({ config, log: quietLog, pool: NO_POOL });
      console.log('Features');
      printTable(
        FEATURES.map((f) => {
          const a = engines.get(f.id)!.availability();
          return { feature: f.segments[0], available: a.available ? 'yes' : 'no', implementation: a.implementation ?? '', reason: a.reason ?? '' };
        }),
      );
      console.log(`\nModel files (registry; operator weights go in ${config.engines.modelsDir})`);
      printTable(listModels(config.engines.modelsDir).map((m) => ({ model: m.name, features: m.features.join(' '), available: m.available ? 'yes' : 'no', where: m.available ? m.dir : (m.reason ?? '') })));
    });
  models
    .command('pull <name>')
    .description("download a model's weights from its public URL into the models dir, verifying each file's sha256")
    .option('--base-url <url>', 'a mirror to download from instead')
    .action(async (name: string, opts: { baseUrl?: string }) => {
      const config = ctx.config();
      const r = await pullModel(name, {
        modelsDir: config.engines.modelsDir,
        baseUrl: opts.baseUrl,
        onProgress: (file, i, total) => console.log(`[${i + 1}/${total}] ${file}`),
      });
      console.log(r.downloaded ? `installed ${r.name} in ${r.dir} (checksums verified)` : `${r.name} is already installed in ${r.dir}`);
    });
}
