import type { WorkerPool } from './engine.js';

type CallOptions = Parameters<WorkerPool['run']>[3];
/** The names of a kernel module's exported functions. */
type KernelFn<M> = { [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never }[keyof M] & string;
type ArgOf<F> = F extends (args: infer A, ...rest: never[]) => unknown ? A : never;
type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/**
 * A kernel module as its callers see it: `run` takes one of the functions the module exports, by
 * name, with that function's argument type, and resolves to its result type. The types come from
 * the module (`typeof import('./x-kernel.js')`, erased at run time), so a renamed function or a
 * changed result fails typecheck at every caller instead of being asserted there.
 */
export interface KernelHandle<M> {
  readonly path: string;
  run<K extends KernelFn<M>>(pool: WorkerPool, fn: K, args: ArgOf<M[K]>, opts?: CallOptions): Promise<ResultOf<M[K]>>;
}

/** `path` as `siblingModule(import.meta.url, '<subject>-kernel')` gives it. */
export function kernelHandle<M>(path: string): KernelHandle<M> {
  return { path, run: (pool, fn, args, opts) => pool.run(path, fn, args, opts) };
}
