/**
 * Reads the last initializer of an ONNX graph straight from the protobuf bytes. InsightFace stores
 * inswapper's `emap` (the 512×512 matrix that maps an ArcFace embedding to the swapper's identity
 * latent) there, and onnxruntime does not expose initializers.
 */

interface Field { no: number; wire: number; start: number; end: number; value: number }

/** Reads varints from `buf` at a moving cursor. */
function varintReader(buf: Buffer, start: number) {
  const r = {
    p: start,
    next(): number {
      let v = 0, mul = 1, b: number;
      do {
        b = buf[r.p++];
        v += (b & 0x7f) * mul;
        mul *= 128;
      } while (b & 0x80);
      return v;
    },
  };
  return r;
}

function* fields(buf: Buffer, start: number, end: number): Generator<Field> {
  const r = varintReader(buf, start);
  const varint = () => r.next();
  while (r.p < end) {
    const key = varint();
    const no = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) {
      const value = varint();
      yield { no, wire, start: r.p, end: r.p, value };
    } else if (wire === 2) {
      const len = varint();
      yield { no, wire, start: r.p, end: r.p + len, value: len };
      r.p += len;
    } else if (wire === 1) r.p += 8;
    else if (wire === 5) r.p += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

const FLOAT = 1;

export interface Initializer { name: string; dims: number[]; data: Float32Array }

export function lastInitializer(model: Buffer): Initializer {
  let graph: Field | undefined;
  for (const f of fields(model, 0, model.length)) if (f.no === 7 && f.wire === 2) graph = f;
  if (!graph) throw new Error('not an ONNX model: no graph');
  let last: Field | undefined;
  for (const f of fields(model, graph.start, graph.end)) if (f.no === 5 && f.wire === 2) last = f;
  if (!last) throw new Error('the ONNX graph has no initializers');
  const dims: number[] = [];
  let name = '', type = 0, raw: Buffer | undefined, floats: Buffer | undefined;
  for (const f of fields(model, last.start, last.end)) {
    if (f.no === 1 && f.wire === 0) dims.push(f.value);
    else if (f.no === 1 && f.wire === 2) {
      const r = varintReader(model, f.start);
      while (r.p < f.end) dims.push(r.next());
    }
    else if (f.no === 2) type = f.value;
    else if (f.no === 8) name = model.toString('utf8', f.start, f.end);
    else if (f.no === 9) raw = model.subarray(f.start, f.end);
    else if (f.no === 4 && f.wire === 2) floats = model.subarray(f.start, f.end);
  }
  if (type !== FLOAT) throw new Error(`initializer ${name} is not float32 (type ${type})`);
  const bytes = raw ?? floats;
  if (!bytes) throw new Error(`initializer ${name} has no data`);
  const data = new Float32Array(bytes.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
  return { name, dims, data };
}

/** inswapper's 512×512 `emap`, read from the model file (the graph's last initializer). */
export async function inswapperEmap(modelFile: string): Promise<Float32Array> {
  const { readFile } = await import('node:fs/promises');
  const init = lastInitializer(await readFile(modelFile));
  if (init.dims.length !== 2 || init.dims[0] !== 512 || init.dims[1] !== 512) throw new Error(`${modelFile}: last initializer ${init.name} is ${init.dims.join('x')}, expected inswapper's 512x512 emap`);
  return init.data;
}
