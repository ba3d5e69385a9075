import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../helpers/harness.js';

/**
 * Services of the chaos suite's own, on their own loopback ports and temporary directories, so a
 * fault injected into them never touches the machine's shared PostgreSQL (5432) or Redis (6379).
 * Each can be stopped and started again on the same port, as an operator's restart would.
 */

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` system user. */
function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

/** Debian keeps initdb and pg_ctl out of PATH (in /usr/lib/postgresql/<version>/bin). */
function pgBinary(name: string): string {
  if (spawnSync('which', [name]).status === 0) return name;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(path.join(root, v, 'bin', name))) return path.join(root, v, 'bin', name);
  throw new Error(`${name} not found: install PostgreSQL's server binaries`);
}

function run(cmd: string, args: string[]): void {
  const [c, a] = asPostgresUser(pgBinary(cmd), args);
  const r = spawnSync(c, a, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

export interface OwnPostgres {
  /** Admin URL (trust auth, database `postgres`). */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: sessions are ended (57P01), as in a restart. */
  stop(): void;
  start(): void;
  close(): void;
}

/** A PostgreSQL cluster of its own: initdb in a temp dir, pg_ctl on a free port, socket in the same dir. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'darkroom-chaos-pg-'));
  const data = path.join(dir, 'data');
  mkdirSync(data);
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => run('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      stop();
      running = false;
    },
    start() {
      start();
      running = true;
    },
    close() {
      if (running) stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresIds(): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** A new database in the given cluster. */
export async function createDatabaseIn(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface OwnProcessService {
  url: string;
  port: number;
  /** SIGKILL: no goodbye to clients. */
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const { createConnection } = await import('node:net');
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > end) throw new Error(`${what} did not open port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A long-lived child process on a fixed port that can be killed and started again. */
function processService(what: string, port: number, url: string, spawnIt: () => ChildProcess, onClose?: () => void): OwnProcessService {
  let child: ChildProcess | undefined;
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    url,
    port,
    kill,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = spawnIt();
      await waitForPort(port, child, what);
    },
    async close() {
      await kill();
      onClose?.();
    },
  };
}

/** redis-server without persistence: a restart comes back empty, as a cache-only Redis does. */
export async function startOwnRedis(): Promise<OwnProcessService> {
  const port = await freePort();
  const svc = processService('redis-server', port, `redis://127.0.0.1:${port}`, () =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' }),
  );
  await svc.start();
  return svc;
}

export interface OwnS3 extends OwnProcessService {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** s3rver in a child process (so it can be killed outright), its objects kept on disk across restarts. */
export async function startOwnS3(bucket = 'darkroom'): Promise<OwnS3> {
  const dir = mkdtempSync(path.join(tmpdir(), 'darkroom-chaos-s3-'));
  const port = await freePort();
  const script = path.join(import.meta.dirname, 's3-server.ts');
  const svc = processService(
    's3rver',
    port,
    `http://127.0.0.1:${port}`,
    () => spawn(process.execPath, ['--import', 'tsx', script, String(port), dir, bucket], { stdio: 'ignore' }),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  await svc.start();
  return { ...svc, endpoint: svc.url, bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
}
