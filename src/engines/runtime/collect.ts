import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/** Memory outside the V8 heap that this isolate's objects own: ArrayBuffers, and sharp's output Buffers (not counted as ArrayBuffers). */
export const externalBytes = (): number => process.memoryUsage().external;

/**
 * A full garbage collection of the calling thread's isolate, when it holds more than `aboveBytes`
 * outside the V8 heap (image buffers, float planes). Image work leaves them dead but resident: V8
 * collects on allocation pressure, and an idle thread allocates nothing. Blocks of 1 MB or more are
 * mapped on their own (MALLOC_MMAP_THRESHOLD_, bin/darkroom.js), so what is freed leaves the RSS.
 */
export function collectIfAbove(aboveBytes: number): boolean {
  if (externalBytes() < aboveBytes) return false;
  collectGarbage();
  return true;
}

/** A full garbage collection of the calling thread's isolate. */
export function collectGarbage(): void {
  if (!gc) {
    // --expose-gc cannot be given to a worker in execArgv; a context made after the flag is set has gc().
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
