import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TaskAbortedError } from '../errors.js';

const require = createRequire(import.meta.url);

function packagedBinary(pkg: string, name: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), name);
}

/** Operator-chosen binaries (config `engines.video.ffmpeg`/`ffprobe`); unset means the packaged ones. */
export interface VideoTools {
  ffmpeg?: string;
  ffprobe?: string;
}

/** Static ffmpeg/ffprobe shipped in npm packages, unless the configuration points elsewhere. */
export function ffmpegPath(tools: VideoTools = {}): string {
  return tools.ffmpeg || packagedBinary('@ffmpeg-installer/linux-x64', 'ffmpeg');
}

export function ffprobePath(tools: VideoTools = {}): string {
  return tools.ffprobe || packagedBinary('@ffprobe-installer/linux-x64', 'ffprobe');
}

/** Why video cannot run here (a binary missing or not executable), or undefined when it can. */
export function videoToolsMissing(tools: VideoTools = {}): string | undefined {
  for (const [name, find] of [['ffmpeg', ffmpegPath], ['ffprobe', ffprobePath]] as const) {
    try {
      accessSync(find(tools), constants.X_OK);
    } catch {
      return `${name} is not installed (the @ffmpeg-installer/@ffprobe-installer packages, or engines.video.ffmpeg/ffprobe: DARKROOM_FFMPEG/DARKROOM_FFPROBE)`;
    }
  }
  return undefined;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Seconds of output expected; with it, progress lines become fractions. */
  durationSec?: number;
  onProgress?: (fraction: number) => void;
}

/**
 * Runs a binary and collects stdout; stderr is kept for the error message. Aborting the signal kills
 * the process at once. With `durationSec`, ffmpeg's `-progress pipe:1` lines are turned into 0..1.
 */
export function runTool(bin: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new TaskAbortedError());
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!opts.onProgress || !opts.durationSec) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        // Despite its name, out_time_ms is in microseconds.
        const m = /^out_time_(?:ms|us)=(\d+)/.exec(line);
        if (m) opts.onProgress(Math.min(1, Number(m[1]) / 1e6 / opts.durationSec));
      }
      if (out.length > 1 << 20) out = out.slice(-65536);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      err = (err + chunk).slice(-8192);
    });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new TaskAbortedError());
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(bin)} exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
