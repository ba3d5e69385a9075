import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../../..');

export interface ServeOptions {
  dataDir: string;
  port: number;
  env?: Record<string, string>;
  /** The checkout to run (default this one): a benchmark may compare an older tree. */
  repo?: string;
}

/** `darkroom serve` as a child process, exactly as an operator starts it, with its output kept. */
export class ServeProcess {
  private child?: ChildProcess;
  /** Everything the process wrote to stdout and stderr, across restarts. */
  output = '';
  readonly baseUrl: string;

  constructor(private readonly opts: ServeOptions) {
    this.baseUrl = `http://127.0.0.1:${opts.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(extraEnv: Record<string, string> = {}, timeoutMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: this.opts.repo ?? REPO,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DARKROOM_DATA_DIR: this.opts.dataDir,
        DARKROOM_PORT: String(this.opts.port),
        DARKROOM_HOST: '127.0.0.1',
        DARKROOM_PUBLIC_URL: this.baseUrl,
        DARKROOM_RATE_LIMIT: 'false',
        ...this.opts.env,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited early (${child.exitCode ?? child.signalCode}):\n${this.output.slice(-2000)}`);
      try {
        if ((await fetch(`${this.baseUrl}/healthz`)).status === 200) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`serve did not become healthy in ${timeoutMs} ms:\n${this.output.slice(-2000)}`);
  }

  /** Resolves when the process has ended (by itself or by a signal). */
  async exited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((r) => child.once('exit', () => r()));
  }

  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited();
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited();
  }

  /**
   * A benchmark killed with Ctrl-C or `kill` would leave its server running (and holding memory and a
   * port): stop the server first, then exit as interrupted.
   */
  stopOnInterrupt(): this {
    const interrupted = () => void this.stop().finally(() => process.exit(130));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, interrupted);
    return this;
  }

  devKey(): { clientId: string; clientSecret: string } {
    return JSON.parse(readFileSync(path.join(this.opts.dataDir, 'secrets', 'dev-key.json'), 'utf8'));
  }
}
