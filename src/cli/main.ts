import { Command } from 'commander';
import { createCliContext, type CliContext } from './context.js';
import { register as credits } from './commands/credits.js';
import { register as keys } from './commands/keys.js';
import { register as models } from './commands/models.js';
import { register as run } from './commands/run.js';
import { register as serve } from './commands/serve.js';
import { register as styles } from './commands/styles.js';
import { register as worker } from './commands/worker.js';

/** Each command module exports `register(program, ctx)`. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

const COMMANDS: RegisterCommand[] = [serve, worker, keys, credits, models, run, styles];

const program = new Command('darkroom').description('Darkroom: self-hosted YouCam Online Editor AI API v1 compatible server');
const ctx = createCliContext();
for (const register of COMMANDS) register(program, ctx);
program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
