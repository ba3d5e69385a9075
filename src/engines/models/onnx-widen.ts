/**
 * Widens a half-precision ONNX model to single precision: every float16 initializer, constant,
 * Cast target and declared tensor type becomes float32. onnxruntime's CPU kernels on x86 have no
 * float16 convolution, so a float16 graph runs each convolution between two inserted casts over
 * the whole activation; widened, the same arithmetic runs without them (the weights are exact in
 * float32, so the results match the float16 graph's to its own rounding).
 *
 * Only the protobuf fields on the path to those values are decoded; everything else is copied
 * byte for byte.
 */

import { varintBytes } from '../onnx-writer.js';

const FLOAT = 1;
const FLOAT16 = 10;

/** ModelProto.graph; GraphProto.{node, initializer, input, output, value_info}; ... (onnx.proto field numbers). */
const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;
const NODE = { opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, i: 3, t: 5 } as const;
const TENSOR = { dataType: 2, int32Data: 5, rawData: 9 } as const;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM = 1;

const VARINT = 0;
const LEN = 2;

interface Field {
  field: number;
  wire: number;
  /** The varint's value (wire 0). */
  value?: bigint;
  /** The field's whole encoding (key included), to copy it unchanged. */
  raw: Uint8Array;
  /** A length-delimited field's payload. */
  body?: Uint8Array;
}

function readVarint(b: Uint8Array, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= b.length) throw new Error('truncated varint');
    const x = b[at++];
    v |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if (!(x & 0x80)) return [v, at];
  }
}

function* fields(b: Uint8Array): Generator<Field> {
  let at = 0;
  while (at < b.length) {
    const start = at;
    const [key, afterKey] = readVarint(b, at);
    at = afterKey;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === VARINT) {
      const [value, next] = readVarint(b, at);
      at = next;
      yield { field, wire, value, raw: b.subarray(start, at) };
    } else if (wire === LEN) {
      const [len, next] = readVarint(b, at);
      const end = next + Number(len);
      if (end > b.length) throw new Error('truncated field');
      at = end;
      yield { field, wire, raw: b.subarray(start, at), body: b.subarray(next, end) };
    } else if (wire === 5 || wire === 1) {
      at += wire === 5 ? 4 : 8;
      yield { field, wire, raw: b.subarray(start, at) };
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
}


/** Encoded bytes kept as a list of pieces: a message is joined into one buffer once, at the end. */
interface Rope {
  parts: Uint8Array[];
  length: number;
}

const rope = (parts: Uint8Array[]): Rope => ({ parts, length: parts.reduce((a, p) => a + p.length, 0) });
const encodeVarintField = (field: number, n: number | bigint): Rope => rope([varintBytes((field << 3) | VARINT), varintBytes(n)]);
const encodeLenField = (field: number, body: Rope): Rope => rope([varintBytes((field << 3) | LEN), varintBytes(body.length), ...body.parts]);

function join(r: Rope): Uint8Array {
  const out = new Uint8Array(r.length);
  let at = 0;
  for (const p of r.parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Rewrites a message field by field: `edit` returns the new encoding of a field, or undefined to copy it. */
function rewrite(b: Uint8Array, edit: (f: Field) => Rope | undefined): Rope {
  const parts: Uint8Array[] = [];
  for (const f of fields(b)) {
    const edited = edit(f);
    if (edited) parts.push(...edited.parts);
    else parts.push(f.raw);
  }
  return rope(parts);
}

/** IEEE half to single precision. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Every half-precision bit pattern's value (the raw data is little-endian, as on every host Node runs on here). */
function halfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  return table;
}

function widenTensor(t: Uint8Array, table: Float32Array): Rope {
  let half = false;
  for (const f of fields(t)) if (f.field === TENSOR.dataType && f.value === BigInt(FLOAT16)) half = true;
  if (!half) return rope([t]);
  const halves: number[] = [];
  let raw: Uint8Array | undefined;
  for (const f of fields(t)) {
    if (f.field === TENSOR.rawData) raw = f.body;
    // float16 values outside raw_data are kept one per int32_data entry (packed or not).
    else if (f.field === TENSOR.int32Data && f.wire === LEN) {
      let at = 0;
      while (at < f.body!.length) {
        const [v, next] = readVarint(f.body!, at);
        halves.push(Number(v & 0xffffn));
        at = next;
      }
    } else if (f.field === TENSOR.int32Data) halves.push(Number(f.value! & 0xffffn));
  }
  // A copy, aligned for 16-bit reads (a Node Buffer's slice would share its pool).
  const bits = raw ? new Uint16Array(new Uint8Array(raw).buffer) : Uint16Array.from(halves);
  const values = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) values[i] = table[bits[i]];
  const parts: Uint8Array[] = [];
  for (const f of fields(t)) {
    if (f.field === TENSOR.dataType) parts.push(...encodeVarintField(TENSOR.dataType, FLOAT).parts);
    else if (f.field !== TENSOR.rawData && f.field !== TENSOR.int32Data) parts.push(f.raw);
  }
  parts.push(...encodeLenField(TENSOR.rawData, rope([new Uint8Array(values.buffer)])).parts);
  return rope(parts);
}

const widenTensorType = (tt: Uint8Array): Rope =>
  rewrite(tt, (f) => (f.field === TENSOR_TYPE_ELEM && f.value === BigInt(FLOAT16) ? encodeVarintField(TENSOR_TYPE_ELEM, FLOAT) : undefined));
const widenType = (t: Uint8Array): Rope => rewrite(t, (f) => (f.field === TYPE_TENSOR && f.body ? encodeLenField(TYPE_TENSOR, widenTensorType(f.body)) : undefined));
const widenValueInfo = (v: Uint8Array): Rope => rewrite(v, (f) => (f.field === VALUE_INFO_TYPE && f.body ? encodeLenField(VALUE_INFO_TYPE, widenType(f.body)) : undefined));

function widenNode(n: Uint8Array, table: Float32Array): Rope {
  let op = '';
  for (const f of fields(n)) if (f.field === NODE.opType) op = new TextDecoder().decode(f.body);
  return rewrite(n, (f) => {
    if (f.field !== NODE.attribute || !f.body) return undefined;
    let name = '';
    for (const a of fields(f.body)) if (a.field === ATTRIBUTE.name) name = new TextDecoder().decode(a.body);
    const attr = rewrite(f.body, (a) => {
      if (op === 'Cast' && name === 'to' && a.field === ATTRIBUTE.i && a.value === BigInt(FLOAT16)) return encodeVarintField(ATTRIBUTE.i, FLOAT);
      if (a.field === ATTRIBUTE.t && a.body) return encodeLenField(ATTRIBUTE.t, widenTensor(a.body, table));
      return undefined;
    });
    return encodeLenField(NODE.attribute, attr);
  });
}

function widenGraph(g: Uint8Array): Rope {
  const table = halfTable();
  return rewrite(g, (f) => {
    if (!f.body) return undefined;
    if (f.field === GRAPH.node) return encodeLenField(f.field, widenNode(f.body, table));
    if (f.field === GRAPH.initializer) return encodeLenField(f.field, widenTensor(f.body, table));
    if (f.field === GRAPH.input || f.field === GRAPH.output || f.field === GRAPH.valueInfo) return encodeLenField(f.field, widenValueInfo(f.body));
    return undefined;
  });
}

/** The model with every float16 value and type in its main graph widened to float32. */
export function widenFloat16Model(model: Uint8Array): Uint8Array {
  return join(rewrite(model, (f) => (f.field === MODEL_GRAPH && f.body ? encodeLenField(MODEL_GRAPH, widenGraph(f.body)) : undefined)));
}
