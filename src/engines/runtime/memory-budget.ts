import { readFileSync } from 'node:fs';
import os from 'node:os';

const MB = 2 ** 20;
/** Below this the largest single call (ISNet's activations at 1024², ~550 MB) has no room beside the models. */
export const MIN_BUDGET_MB = 1024;
/** Above this more memory buys no speed: every model is warm with its fast working set at ~2.5 GB. */
export const MAX_BUDGET_MB = 4096;

/** A container's memory limit (cgroup v2, else v1), in bytes; undefined when none is set. */
export function cgroupLimitBytes(read: (file: string) => string = (f) => readFileSync(f, 'utf8')): number | undefined {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = read(file).trim();
    } catch {
      continue;
    }
    const bytes = Number(text);
    // "max" (v2) or a page-rounded 2^63 (v1) mean no limit.
    if (Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60) return bytes;
    return undefined;
  }
  return undefined;
}

/**
 * The memory budget when the operator set none: a quarter of what the process may use (physical
 * memory, or the container's limit when lower), at least 1 GB and at most 4 GB. A quarter leaves
 * the rest to the database, the page cache and whatever else shares the host.
 */
export function defaultMemoryBudgetMb(totalBytes = os.totalmem(), limitBytes = cgroupLimitBytes()): number {
  const usable = Math.min(totalBytes, limitBytes ?? Infinity);
  return Math.min(MAX_BUDGET_MB, Math.max(MIN_BUDGET_MB, Math.floor(usable / 4 / MB)));
}

/** The configured budget (`engines.memoryTargetMb`): a number of MB, 0 for none, or unset for the host's default. */
export function resolveMemoryBudgetMb(configured: number | undefined): number {
  return configured ?? defaultMemoryBudgetMb();
}
