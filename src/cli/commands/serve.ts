import type { Command } from 'commander';
import { createDarkroom } from '../../app.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve the API, docs and console (engines in-process unless DARKROOM_RUN_ENGINES=false)')
    .option('-p, --port <port>', 'port', (v) => Number(v))
    .action(async (opts: { port?: number }) => {
      const config = ctx.config();
      if (opts.port) Object.assign(config, { port: opts.port, publicUrl: config.publicUrl.replace(/:\d+$/, `:${opts.port}`) });
      const app = await createDarkroom(config);
      const url = await app.listen();
      const dev = await app.ensureDevKey();
      const pw = app.services.admin.revealGeneratedPassword();
      const base = config.publicUrl || `http://localhost:${config.port}`;
      console.log(`\nDarkroom is serving on ${url}`);
      console.log(`  API      ${base}/s2s/v1.0/...   (database: ${app.services.db.dialect}, storage: ${app.services.files.storage.name}, queue: ${app.services.queue.name})`);
      console.log(`  API docs ${base}/docs`);
      console.log(`  Console  ${base}/`);
      if (dev) {
        console.log(`\nDev API key${dev.created ? ' (created now)' : ''}: ${dev.credits} credits`);
        console.log(`  client_id     ${dev.clientId}`);
        // The secret is printed once, so it does not pile up in service logs; it stays in the data dir (0600).
        if (dev.created) console.log(`  client_secret ${dev.clientSecret}`);
        else console.log(`  client_secret in ${config.dataDir}/secrets/dev-key.json`);
        console.log('  (turn the dev key off in production: devKey.enabled=false)');
      }
      if (pw) console.log(`\nConsole admin password (shown once; saved in ${config.dataDir}/secrets/admin-password): ${pw}`);
      const stop = async () => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
