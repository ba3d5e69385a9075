/**
 * Writes tiny ONNX models by hand-encoding the protobuf, so tests can exercise the operator-model
 * loading paths with the same input/output signatures as LaMa and DDColor without any weights.
 */

class Writer {
  private parts: Buffer[] = [];
  varint(n: number | bigint): this {
    let v = BigInt(n);
    if (v < 0n) v += 1n << 64n;
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, n: number): this {
    return this.tag(field, 0).varint(n);
  }
  bytes(field: number, b: Buffer): this {
    this.tag(field, 2).varint(b.length);
    this.parts.push(b);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  msg(field: number, w: Writer): this {
    return this.bytes(field, w.done());
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export const FLOAT = 1;

export interface TensorInit { name: string; dims: number[]; values: number[] }
export interface NodeDef { op: string; inputs: string[]; outputs: string[] }
export interface ValueDef { name: string; dims: (number | string)[]; elemType?: number }

function valueInfo(v: ValueDef): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().str(2, d));
  const tensorType = new Writer().int(1, v.elemType ?? FLOAT).msg(2, shape);
  return new Writer().str(1, v.name).msg(2, new Writer().msg(1, tensorType));
}

function tensor(t: TensorInit): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, FLOAT);
  w.str(8, t.name);
  const raw = Buffer.alloc(4 * t.values.length);
  t.values.forEach((v, i) => raw.writeFloatLE(v, 4 * i));
  w.bytes(9, raw);
  return w;
}

export function buildModel(g: { nodes: NodeDef[]; inputs: ValueDef[]; outputs: ValueDef[]; initializers: TensorInit[]; opset?: number }): Buffer {
  const graph = new Writer();
  g.nodes.forEach((n, i) => {
    const node = new Writer();
    for (const x of n.inputs) node.str(1, x);
    for (const x of n.outputs) node.str(2, x);
    node.str(3, `n${i}`).str(4, n.op);
    graph.msg(1, node);
  });
  graph.str(2, 'tiny');
  for (const t of g.initializers) graph.msg(5, tensor(t));
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  return new Writer()
    .int(1, 8) // ir_version
    .str(2, 'darkroom-tests')
    .msg(7, graph)
    .msg(8, new Writer().str(1, '').int(2, g.opset ?? 13))
    .done();
}

/**
 * LaMa's signature: image [1,3,512,512] + mask [1,1,512,512] (1 = fill) → output [1,3,512,512] in
 * 0..1. This model keeps known pixels and paints the hole a fixed colour, so a test can tell that
 * the model's output reached the result, where, and at full resolution.
 */
export function tinyInpaintModel(fill: [number, number, number]): Buffer {
  return buildModel({
    inputs: [{ name: 'image', dims: [1, 3, 512, 512] }, { name: 'mask', dims: [1, 1, 512, 512] }],
    outputs: [{ name: 'output', dims: [1, 3, 512, 512] }],
    initializers: [
      { name: 'one', dims: [], values: [1] },
      { name: 'colour', dims: [1, 3, 1, 1], values: fill },
    ],
    nodes: [
      { op: 'Sub', inputs: ['one', 'mask'], outputs: ['keep'] },
      { op: 'Mul', inputs: ['image', 'keep'], outputs: ['kept'] },
      { op: 'Mul', inputs: ['colour', 'mask'], outputs: ['painted'] },
      { op: 'Add', inputs: ['kept', 'painted'], outputs: ['output'] },
    ],
  });
}

/**
 * DDColor's signature: input [1,3,512,512] (grayscale as RGB, 0..1) → output [1,2,512,512], the
 * Lab a/b channels. This one predicts a constant a/b (plus a little of the input), i.e. a fixed tint
 * the test can recognise.
 */
export function tinyColorizeModel(ab: [number, number]): Buffer {
  return buildModel({
    inputs: [{ name: 'input', dims: [1, 3, 512, 512] }],
    outputs: [{ name: 'output', dims: [1, 2, 512, 512] }],
    initializers: [
      { name: 'w', dims: [2, 3, 1, 1], values: [0, 0, 0, 0, 0, 0] },
      { name: 'b', dims: [2], values: ab },
    ],
    nodes: [{ op: 'Conv', inputs: ['input', 'w', 'b'], outputs: ['output'] }],
  });
}

/** Y = X + X for a float tensor [1, n]: the smallest model that proves an operator-installed ONNX file loads and runs. */
export function tinyAddModel(n: number): Buffer {
  return buildModel({ inputs: [{ name: 'X', dims: [1, n] }], outputs: [{ name: 'Y', dims: [1, n] }], initializers: [], nodes: [{ op: 'Add', inputs: ['X', 'X'], outputs: ['Y'] }] });
}
