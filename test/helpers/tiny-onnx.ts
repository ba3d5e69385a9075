/**
 * The tests' one ONNX writer: hand-encodes the protobuf of small models (nodes with attributes,
 * float and uint8 tensors), so each downloadable model's exact signature can be rebuilt in a few
 * nodes and the loading paths exercised without any weights. The models at the end are shared by
 * several suites.
 */
class W {
  private parts: Buffer[] = [];
  varint(n: number | bigint): this {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    const out: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    this.parts.push(Buffer.from(out));
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
  bytes(field: number, b: Buffer): this {
    this.varint((field << 3) | 2).varint(b.length);
    this.parts.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s));
  }
  msg(field: number, w: W): this {
    return this.bytes(field, w.done());
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export const FLOAT = 1;
export const UINT8 = 2;
export const INT32 = 6;
export const INT64 = 7;

export interface Value { name: string; dims: (number | string)[]; type?: number }
export interface Init {
  name: string;
  dims: number[];
  values: number[];
  /** Stored outside the graph, as large exports keep their weights: in `location` (beside the model) at `offset`. */
  external?: { location: string; offset: number };
}
export interface Node { op: string; in: string[]; out: string[]; attrs?: Record<string, number | number[] | string> }

function valueInfo(v: Value): W {
  const shape = new W();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new W().int(1, d) : new W().str(2, d));
  return new W().str(1, v.name).msg(2, new W().msg(1, new W().int(1, v.type ?? FLOAT).msg(2, shape)));
}

/** An initializer's float32 values as little-endian bytes (also the contents of its external file). */
export function floatBytes(values: number[]): Buffer {
  const raw = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => raw.writeFloatLE(v, 4 * i));
  return raw;
}

function init(t: Init): W {
  const w = new W();
  for (const d of t.dims) w.int(1, d);
  w.int(2, FLOAT).str(8, t.name);
  if (!t.external) return w.bytes(9, floatBytes(t.values));
  // TensorProto.external_data (13): location / offset / length entries; data_location (14) = EXTERNAL.
  const entry = (k: string, v: string) => new W().str(1, k).str(2, v);
  w.msg(13, entry('location', t.external.location)).msg(13, entry('offset', String(t.external.offset))).msg(13, entry('length', String(4 * t.values.length)));
  return w.int(14, 1);
}

function attribute(name: string, v: number | number[] | string): W {
  const a = new W().str(1, name);
  if (typeof v === 'string') return a.str(4, v).int(20, 3); // STRING
  if (Array.isArray(v)) {
    for (const x of v) a.int(8, x);
    return a.int(20, 7); // INTS
  }
  return Number.isInteger(v) ? a.int(3, v).int(20, 2) : a.float(2, v).int(20, 1);
}

export function onnxModel(g: { inputs: Value[]; outputs: Value[]; inits?: Init[]; nodes: Node[] }): Buffer {
  const graph = new W();
  g.nodes.forEach((n, i) => {
    const node = new W();
    for (const x of n.in) node.str(1, x);
    for (const x of n.out) node.str(2, x);
    node.str(3, `n${i}`).str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    graph.msg(1, node);
  });
  graph.str(2, 'tiny');
  for (const t of g.inits ?? []) graph.msg(5, init(t));
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  return new W().int(1, 8).str(2, 'darkroom-tests').msg(7, graph).msg(8, new W().str(1, '').int(2, 17)).done();
}

/**
 * LaMa's signature: image [1,3,512,512] + mask [1,1,512,512] (1 = fill) → output [1,3,512,512] in
 * 0..1. This model keeps known pixels and paints the hole a fixed colour, so a test can tell that
 * the model's output reached the result, where, and at full resolution.
 */
export function tinyInpaintModel(fill: [number, number, number]): Buffer {
  return onnxModel({
    inputs: [{ name: 'image', dims: [1, 3, 512, 512] }, { name: 'mask', dims: [1, 1, 512, 512] }],
    outputs: [{ name: 'output', dims: [1, 3, 512, 512] }],
    inits: [
      { name: 'one', dims: [], values: [1] },
      { name: 'colour', dims: [1, 3, 1, 1], values: fill },
    ],
    nodes: [
      { op: 'Sub', in: ['one', 'mask'], out: ['keep'] },
      { op: 'Mul', in: ['image', 'keep'], out: ['kept'] },
      { op: 'Mul', in: ['colour', 'mask'], out: ['painted'] },
      { op: 'Add', in: ['kept', 'painted'], out: ['output'] },
    ],
  });
}

/**
 * DDColor's signature: input [1,3,512,512] (grayscale as RGB, 0..1) → output [1,2,512,512], the
 * Lab a/b channels. This one predicts a constant a/b (plus a little of the input), i.e. a fixed tint
 * the test can recognise.
 */
export function tinyColorizeModel(ab: [number, number]): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 512, 512] }],
    outputs: [{ name: 'output', dims: [1, 2, 512, 512] }],
    inits: [
      { name: 'w', dims: [2, 3, 1, 1], values: [0, 0, 0, 0, 0, 0] },
      { name: 'b', dims: [2], values: ab },
    ],
    nodes: [{ op: 'Conv', in: ['input', 'w', 'b'], out: ['output'] }],
  });
}

/** Y = X + X for a float tensor [1, n]: the smallest model that proves an operator-installed ONNX file loads and runs. */
export function tinyAddModel(n: number): Buffer {
  return onnxModel({ inputs: [{ name: 'X', dims: [1, n] }], outputs: [{ name: 'Y', dims: [1, n] }], nodes: [{ op: 'Add', in: ['X', 'X'], out: ['Y'] }] });
}
