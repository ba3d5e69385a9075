/**
 * Worker-thread entry for the engine pool: imports the requested module once per thread (so its
 * models stay loaded) and calls the named export.
 */
const modules = new Map<string, Promise<Record<string, unknown>>>();

let tsxRegistered: Promise<void> | undefined;
function registerTsx(): Promise<void> {
  tsxRegistered ??= import('tsx/esm/api').then((api) => {
    api.register();
  });
  return tsxRegistered;
}

export interface WorkerCall {
  modulePath: string;
  fn: string;
  args: unknown;
}

export default async function runInWorker({ modulePath, fn, args }: WorkerCall): Promise<unknown> {
  let mod = modules.get(modulePath);
  if (!mod) {
    // `--import tsx` in execArgv does not hook dynamic import() inside worker threads on Node 20: register it here.
    if (modulePath.endsWith('.ts')) await registerTsx();
    mod = import(modulePath) as Promise<Record<string, unknown>>;
    modules.set(modulePath, mod);
  }
  const target = (await mod)[fn];
  if (typeof target !== 'function') throw new Error(`${modulePath} has no export ${fn}`);
  return (target as (a: unknown) => unknown)(args);
}
