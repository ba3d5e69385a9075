import { DomainError } from '../errors.js';

/** Deepest nesting of objects and arrays inside `params` (the params object itself is level 1). */
export const MAX_PARAMS_DEPTH = 32;
/** Most object keys in all of `params`, at every level. */
export const MAX_PARAMS_KEYS = 64;

/**
 * Refuses params nested deeper than 32 levels or holding more than 64 keys, without recursion
 * (a 6-KB body can nest thousands of levels), so that hashing and storing them can never exhaust
 * the stack. Runs before anything walks the params.
 */
export function assertBoundedParams(params: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value: params, depth: 1 }];
  let keys = 0;
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_PARAMS_DEPTH) throw new DomainError('InvalidParameters', `params are nested deeper than ${MAX_PARAMS_DEPTH} levels`);
    const children = Array.isArray(value) ? value : Object.values(value);
    if (!Array.isArray(value)) {
      keys += children.length;
      if (keys > MAX_PARAMS_KEYS) throw new DomainError('InvalidParameters', `params hold more than ${MAX_PARAMS_KEYS} keys`);
    }
    for (const child of children) if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
  }
}
