import type { Command } from 'commander';
import { createEngineRegistry } from '../../engines/registry.js';
import type { WorkerPool } from '../../engines/engine.js';
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
    .description('which engines are available on this server, and why not')
    .action(() => {
      const engines = createEngineRegistry({ config: ctx.config(), log: quietLog, pool: NO_POOL });
      printTable(
        FEATURES.map((f) => {
          const a = engines.get(f.id)!.availability();
          return { feature: f.segments[0], available: a.available ? 'yes' : 'no', implementation: a.implementation ?? '', reason: a.reason ?? '' };
        }),
      );
    });
}
