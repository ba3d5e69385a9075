/**
 * Shared flags between the engine pool and the call a worker thread runs (an Int32Array over a
 * SharedArrayBuffer): how many onnxruntime session runs are in flight, and whether the call was
 * cancelled. Piscina stops a cancelled call by terminating its thread, which must never happen
 * during a session run (see thread-entry.ts).
 */
export const IN_NATIVE = 0;
export const CANCELLED = 1;

export function newCallFlags(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

/** Atomics.waitAsync (Node 16+), missing from the ES2023 lib typings this project builds with. */
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Marks the call cancelled and resolves once no session run is in flight in its thread (none can start after). */
export async function outsideNativeRuns(flags: Int32Array): Promise<void> {
  Atomics.store(flags, CANCELLED, 1);
  for (let n = Atomics.load(flags, IN_NATIVE); n > 0; n = Atomics.load(flags, IN_NATIVE)) {
    // Bounded waits: a notify that slips between the load and the wait is caught by the next turn.
    const w = waitAsync(flags, IN_NATIVE, n, 1000);
    if (w.async) await w.value;
  }
}
