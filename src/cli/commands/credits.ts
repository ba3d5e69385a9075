import type { Command } from 'commander';
import { printTable, withStore, type CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  const credits = program.command('credits').description('credit lots and history');
  credits
    .command('grant <client_id> <amount>')
    .description('grant a credit lot')
    .option('-t, --type <type>', 'SubsToken or PaygToken', 'PaygToken')
    .option('-d, --days <days>', 'days until expiry', (v) => Number(v), 365)
    .action(async (clientId: string, amount: string, opts: { type: string; days: number }) => {
      const type = opts.type;
      if (type !== 'SubsToken' && type !== 'PaygToken') throw new Error('--type must be SubsToken or PaygToken');
      await withStore(ctx, async (s) => {
        if (!(await s.keys.get(clientId))) throw new Error(`no key ${clientId}`);
        const lot = await s.credits.grant(clientId, Number(amount), type, Date.now() + opts.days * 24 * 3600_000);
        console.log(`granted lot ${lot.id}: ${lot.amount} ${lot.type} credits, expiring ${new Date(lot.expiry).toISOString()}`);
      });
    });
  credits
    .command('show <client_id>')
    .description('lots and recent history of a key')
    .action(async (clientId: string) => {
      await withStore(ctx, async (s) => {
        printTable((await s.credits.lots(clientId)).map((l) => ({ lot: l.id, type: l.type, amount: l.amount, expiry: new Date(l.expiry).toISOString() })));
        console.log(`balance: ${await s.credits.balance(clientId)}\n`);
        const h = await s.credits.history(clientId, 20);
        printTable(h.history.map((e) => ({ id: e.id, time: new Date(e.timestamp).toISOString(), action: e.action, target: e.target_id, credits: e.info.credits.map((c) => `${c.id}:${c.amount}`).join(' ') })));
      });
    });
}
