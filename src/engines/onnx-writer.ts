/**
 * Writes ONNX models (the protobuf wire format of onnx.proto, only the fields a plain float graph
 * needs): nodes with int, float, int-list and string attributes, float32 initializers, inputs and
 * outputs with fixed or named dimensions. Used to run a model shipped in another format on
 * onnxruntime, and by the tests to build tiny models of a real model's signature.
 */

/** A protobuf varint (negative numbers as their 64-bit two's complement). */
export function varintBytes(n: number | bigint): Buffer {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

/** Protobuf wire encoding: fields are appended in the order they are written. */
class ProtoWriter {
  private parts: Buffer[] = [];
  varint(n: number | bigint): this {
    this.parts.push(varintBytes(n));
    return this;
  }
  int(field: number, n: number): this {
    return this.varint((field << 3) | 0).varint(n);
  }
  float(field: number, f: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(f);
    this.varint((field << 3) | 5);
    this.parts.push(b);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2).varint(b.length);
    this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s));
  }
  msg(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.done());
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_FLOAT16 = 10;

export interface OnnxValue {
  name: string;
  dims: (number | string)[];
  type?: number;
}
export interface OnnxInit {
  name: string;
  dims: number[];
  values: ArrayLike<number>;
  /** ONNX_FLOAT (the default) or ONNX_FLOAT16, as half-precision exports store their weights. */
  type?: number;
  /** Stored outside the graph, as large exports keep their weights: in `location` (beside the model) at `offset`. */
  external?: { location: string; offset: number };
}
export type OnnxAttr = number | number[] | string;
export interface OnnxNode {
  op: string;
  in: string[];
  out: string[];
  attrs?: Record<string, OnnxAttr>;
}

function valueInfo(v: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().str(2, d));
  return new ProtoWriter().str(1, v.name).msg(2, new ProtoWriter().msg(1, new ProtoWriter().int(1, v.type ?? ONNX_FLOAT).msg(2, shape)));
}

/** Float32 values as little-endian bytes: an initializer's raw data, or the contents of its external file. */
export function floatBytes(values: ArrayLike<number>): Buffer {
  const raw = Float32Array.from(values);
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Values rounded to IEEE half precision (nearest, ties to even), as little-endian bytes. */
export function halfBytes(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(2 * values.length);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = bits[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    let h: number;
    if (exp >= 31) h = sign | 0x7c00 | (((x >>> 23) & 0xff) === 0xff && mant ? 0x200 : 0);
    else if (exp <= 0) {
      if (exp < -10) h = sign;
      else {
        mant |= 0x800000;
        const shift = 14 - exp;
        const half = 1 << (shift - 1);
        const rest = mant & ((1 << shift) - 1);
        h = sign | (mant >>> shift);
        if (rest > half || (rest === half && h & 1)) h++;
      }
    } else {
      h = sign | (exp << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
    }
    out.writeUInt16LE(h, 2 * i);
  }
  return out;
}

function initializer(t: OnnxInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  const half = t.type === ONNX_FLOAT16;
  w.int(2, half ? ONNX_FLOAT16 : ONNX_FLOAT).str(8, t.name);
  if (half && t.external) throw new Error('half-precision initializers are written inside the graph only');
  if (half) return w.bytes(9, halfBytes(t.values));
  if (!t.external) return w.bytes(9, floatBytes(t.values));
  // TensorProto.external_data (13): location / offset / length entries; data_location (14) = EXTERNAL.
  const entry = (k: string, v: string) => new ProtoWriter().str(1, k).str(2, v);
  w.msg(13, entry('location', t.external.location)).msg(13, entry('offset', String(t.external.offset))).msg(13, entry('length', String(4 * t.values.length)));
  return w.int(14, 1);
}

// AttributeProto.type values.
const FLOAT = 1, INT = 2, STRING = 3, INTS = 7;

function attribute(name: string, v: OnnxAttr): ProtoWriter {
  const a = new ProtoWriter().str(1, name);
  if (typeof v === 'string') return a.str(4, v).int(20, STRING);
  if (Array.isArray(v)) {
    for (const x of v) a.int(8, x);
    return a.int(20, INTS);
  }
  return Number.isInteger(v) ? a.int(3, v).int(20, INT) : a.float(2, v).int(20, FLOAT);
}

/** The model's bytes (IR version 8, default-domain opset `opset`), ready for `InferenceSession.create`. */
export function onnxModel(g: { inputs: OnnxValue[]; outputs: OnnxValue[]; inits?: OnnxInit[]; nodes: OnnxNode[]; name?: string; producer?: string; opset?: number }): Buffer {
  const graph = new ProtoWriter();
  g.nodes.forEach((n, i) => {
    const node = new ProtoWriter();
    for (const x of n.in) node.str(1, x);
    for (const x of n.out) node.str(2, x);
    node.str(3, `n${i}`).str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    graph.msg(1, node);
  });
  graph.str(2, g.name ?? 'graph');
  for (const t of g.inits ?? []) graph.msg(5, initializer(t));
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  return new ProtoWriter()
    .int(1, 8)
    .str(2, g.producer ?? 'darkroom')
    .msg(7, graph)
    .msg(8, new ProtoWriter().str(1, '').int(2, g.opset ?? 17))
    .done();
}
