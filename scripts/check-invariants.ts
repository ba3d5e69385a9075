/**
 * Checks the ledger and task invariants of a Darkroom database:
 *  1. every lot's amount = its grant + its charges + its expiry, from the credit history;
 *  2. each client's balance = grants − charges − expiries;
 *  3. every successful priced task has exactly one charge entry for its price; no other task has any;
 *  4. running tasks hold their price, ended tasks hold nothing;
 *  5. no task is running with a hold older than --max-running-ms (default 11 min: the task
 *     timeout plus a minute);
 *  6. (local storage) no upload file without a record, and temporary `.part` files are counted.
 *
 * Usage: npx tsx scripts/check-invariants.ts [--data-dir ./data] [--database-url sqlite:…] [--max-running-ms N] [--json]
 * Exit code 1 when an invariant is broken.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Db } from '../src/db/connect.js';

export interface InvariantReport {
  ok: boolean;
  violations: string[];
  stats: { clients: number; lots: number; historyEntries: number; tasks: Record<string, number>; charges: number; partFiles: number; uploadFiles: number };
}

interface LedgerEntry {
  client_id: string;
  action: string;
  target_id: string;
  info: string;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Files written in the last minute may still be waiting for their record (a live server writes the bytes first). */
const IN_FLIGHT_MS = 60_000;

export async function checkInvariants(db: Db, opts: { maxRunningMs?: number; now?: number; filesRoot?: string } = {}): Promise<InvariantReport> {
  const now = opts.now ?? Date.now();
  const maxRunningMs = opts.maxRunningMs ?? 11 * 60_000;
  const violations: string[] = [];
  // Storage is listed before the database is read, so every file's record, if it has one, is already there.
  const stored = opts.filesRoot ? walk(opts.filesRoot) : [];
  // One read transaction: a consistent snapshot even while a server keeps working on the database.
  let trx = db.kysely.transaction();
  if (db.dialect === 'postgres') trx = trx.setIsolationLevel('repeatable read');
  const { lots, history, tasks, keys } = await trx.execute(async (t) => ({
    lots: await t.selectFrom('credit_lots').select(['id', 'client_id', 'amount', 'initial_amount']).execute(),
    history: (await t.selectFrom('credit_history').select(['client_id', 'action', 'target_id', 'info']).execute()) as LedgerEntry[],
    tasks: await t.selectFrom('tasks').select(['id', 'client_id', 'status', 'price', 'hold', 'created_at']).execute(),
    keys: new Set((await t.selectFrom('files').select('storage_key').execute()).map((r) => r.storage_key)),
  }));

  // 1 and 2: the ledger explains every lot and every balance.
  const perLot = new Map<number, number>();
  const perClient = new Map<string, { grants: number; charges: number; expiries: number }>();
  const chargesByTask = new Map<string, number[]>();
  for (const h of history) {
    const credits = (JSON.parse(h.info) as { credits: { id: number; amount: number }[] }).credits;
    const sum = credits.reduce((a, c) => a + c.amount, 0);
    for (const c of credits) perLot.set(Number(c.id), (perLot.get(Number(c.id)) ?? 0) + c.amount);
    const p = perClient.get(h.client_id) ?? { grants: 0, charges: 0, expiries: 0 };
    if (h.action === 'expire') p.expiries -= sum;
    else if (sum < 0) {
      p.charges -= sum;
      chargesByTask.set(h.target_id, [...(chargesByTask.get(h.target_id) ?? []), -sum]);
    } else p.grants += sum;
    perClient.set(h.client_id, p);
  }
  const balances = new Map<string, number>();
  for (const lot of lots) {
    if (lot.amount < 0) violations.push(`lot ${lot.id} is negative (${lot.amount})`);
    const ledger = perLot.get(Number(lot.id)) ?? 0;
    if (ledger !== lot.amount) violations.push(`lot ${lot.id}: amount ${lot.amount} but the history sums to ${ledger}`);
    balances.set(lot.client_id, (balances.get(lot.client_id) ?? 0) + lot.amount);
  }
  for (const [client, p] of perClient) {
    const expected = p.grants - p.charges - p.expiries;
    const actual = balances.get(client) ?? 0;
    if (expected !== actual) violations.push(`client ${client}: balance ${actual} but grants ${p.grants} − charges ${p.charges} − expiries ${p.expiries} = ${expected}`);
  }

  // 3 and 4: charges match successful tasks one to one; holds match status.
  const statusCount: Record<string, number> = {};
  const taskIds = new Set<string>();
  for (const t of tasks) {
    taskIds.add(t.id);
    statusCount[t.status] = (statusCount[t.status] ?? 0) + 1;
    const charges = chargesByTask.get(t.id) ?? [];
    if (t.status === 'success' && t.price > 0) {
      if (charges.length !== 1) violations.push(`task ${t.id}: success with ${charges.length} charge entries`);
      else if (charges[0] !== t.price) violations.push(`task ${t.id}: charged ${charges[0]}, price ${t.price}`);
    } else if (charges.length > 0) {
      violations.push(`task ${t.id}: ${t.status} but charged ${charges.length} time(s)`);
    }
    if (t.status === 'running' && t.hold !== t.price) violations.push(`task ${t.id}: running with hold ${t.hold}, price ${t.price}`);
    if (t.status !== 'running' && t.hold !== 0) violations.push(`task ${t.id}: ${t.status} but still holds ${t.hold}`);
    if (t.status === 'running' && t.hold > 0 && now - t.created_at > maxRunningMs) violations.push(`task ${t.id}: running with a hold for ${Math.round((now - t.created_at) / 1000)} s`);
  }
  for (const target of chargesByTask.keys()) if (!taskIds.has(target)) violations.push(`charge for unknown task ${target}`);

  // 6: storage holds no upload the database does not know; temporary parts are counted.
  let partFiles = 0;
  let uploadFiles = 0;
  if (opts.filesRoot) {
    for (const f of stored) {
      if (f.endsWith('.part')) {
        partFiles++;
        continue;
      }
      uploadFiles++;
      const key = path.relative(opts.filesRoot, f).split(path.sep).join('/');
      if (!keys.has(key) && now - (statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? now) > IN_FLIGHT_MS) violations.push(`storage file ${key} has no record`);
    }
  }
  return {
    ok: violations.length === 0,
    violations,
    stats: { clients: balances.size, lots: lots.length, historyEntries: history.length, tasks: statusCount, charges: [...chargesByTask.values()].flat().length, partFiles, uploadFiles },
  };
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dataDir = flag('--data-dir') ?? process.env.DARKROOM_DATA_DIR ?? './data';
  const url = flag('--database-url') ?? process.env.DARKROOM_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'darkroom.db')}`;
  const db = await openDatabase(url);
  const maxRunning = flag('--max-running-ms');
  const report = await checkInvariants(db, { maxRunningMs: maxRunning ? Number(maxRunning) : undefined, filesRoot: path.join(dataDir, 'files') });
  await db.close();
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`${report.ok ? 'OK' : 'BROKEN'}: ${JSON.stringify(report.stats)}`);
    for (const v of report.violations) console.log(`  - ${v}`);
  }
  process.exit(report.ok ? 0 : 1);
}
