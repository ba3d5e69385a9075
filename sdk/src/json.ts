/**
 * JSON with integers beyond 2^53. The original service issues style/credit/history ids that a
 * JavaScript number cannot hold, so parsing turns such integers into decimal strings, and
 * serializing writes `bigint` values back as bare JSON numbers. Darkroom's ids are safe integers,
 * so against it this is a no-op.
 */

/** Parses JSON, quoting integer literals that are not safe integers so their digits survive. */
export function parseJson(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

function quoteUnsafeIntegers(text: string): string {
  // Fast path: no run of 16+ digits anywhere, so nothing can exceed 2^53.
  if (!/\d{16}/.test(text)) return text;
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      const start = i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      out += text.slice(start, i);
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      const tok = m ? m[0] : c;
      const integer = m !== null && m[1] === undefined && m[2] === undefined;
      out += integer && !Number.isSafeInteger(Number(tok)) ? `"${tok}"` : tok;
      i += tok.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** JSON.stringify that writes `bigint` values as plain JSON numbers. */
export function stringifyJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000big${marks.length - 1}\u0000`;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, idx: string) => marks[Number(idx)]);
}

/** An id as the SDK hands it out: a number, or a decimal string when it exceeds 2^53. */
export type Id = number | string;
/** An id the caller passes back: numbers, numeric strings and bigints all work. */
export type IdInput = number | string | bigint;

/** Turns an id back into a wire value: unsafe numeric strings become bigints (bare JSON numbers). */
export function wireId(id: IdInput): number | bigint | string {
  if (typeof id === 'bigint' || typeof id === 'number') return id;
  if (/^-?\d+$/.test(id)) {
    const n = Number(id);
    return Number.isSafeInteger(n) ? n : BigInt(id);
  }
  return id;
}
