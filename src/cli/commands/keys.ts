import type { Command } from 'commander';
import { printTable, withStore, type CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys (client_id + RSA key pair)');
  keys
    .command('create')
    .description('create a key; prints the client_secret once')
    .option('-n, --name <name>', 'label', 'key')
    .option('-c, --credits <n>', 'grant this many pay-as-you-go credits', (v) => Number(v))
    .action(async (opts: { name: string; credits?: number }) => {
      await withStore(ctx, async (s) => {
        const k = await s.keys.create(opts.name);
        if (opts.credits) await s.credits.grant(k.clientId, opts.credits, 'PaygToken', Date.now() + 365 * 24 * 3600_000);
        console.log(`client_id      ${k.clientId}\nclient_secret  ${k.clientSecret}\nwebhook_secret ${k.webhookSecret}\n(the secrets are shown only now)`);
      });
    });
  keys
    .command('list')
    .description('list keys')
    .action(async () => {
      await withStore(ctx, async (s) => {
        const rows = await s.keys.list();
        printTable(
          await Promise.all(
            rows.map(async (k) => ({
              client_id: k.clientId,
              name: k.name,
              created: new Date(k.createdAt).toISOString(),
              revoked: k.revokedAt ? new Date(k.revokedAt).toISOString() : '',
              balance: await s.credits.balance(k.clientId),
            })),
          ),
        );
      });
    });
  keys
    .command('revoke <client_id>')
    .description('revoke a key and every access token issued to it')
    .action(async (clientId: string) => {
      await withStore(ctx, async (s) => {
        const at = await s.keys.revoke(clientId);
        if (at === undefined) {
          console.error(`no key ${clientId}`);
          process.exitCode = 1;
        } else console.log(`revoked ${clientId}`);
      });
    });
}
