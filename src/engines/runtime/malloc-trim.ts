/**
 * glibc's malloc_trim(0), called through koffi (an FFI with prebuilt binaries on npm; Node has no
 * binding and no npm package wraps the call). Freed small blocks leave whole free pages scattered
 * through malloc's heaps, and glibc gives back only the top of a heap on its own: after a run of
 * large photos the main heap kept ~50 MB of free pages until malloc_trim was called.
 */
type Trim = (pad: number) => number;

let trim: Promise<Trim | undefined> | undefined;

function loadTrim(): Promise<Trim | undefined> {
  trim ??= import('koffi').then(
    (mod) => {
      const koffi = mod.default;
      const libc = koffi.load('libc.so.6');
      return libc.func('int malloc_trim(size_t pad)') as Trim;
    },
    // Not glibc (musl, macOS) or no binary for this platform: nothing to call, nothing lost.
    () => undefined,
  ).catch(() => undefined);
  return trim;
}

/** Hands the pages malloc holds free back to the system; true when something was released. */
export async function trimMalloc(): Promise<boolean> {
  const fn = await loadTrim();
  return fn ? fn(0) === 1 : false;
}
