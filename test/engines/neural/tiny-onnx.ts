/**
 * Writes a minimal ONNX model by hand (protobuf wire format): Y = X + X for a float tensor of
 * shape [1, N]. Used to test the operator-installed ONNX loading path without any download.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const key = (field: number, wire: 0 | 2) => varint((field << 3) | wire);
const int = (field: number, v: number) => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: FLOAT, shape } } } */
function valueInfo(name: string, dims: (number | string)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, 1), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

export function tinyAddModel(n: number): Buffer {
  const node = [...str(1, 'X'), ...str(1, 'X'), ...str(2, 'Y'), ...str(3, 'double'), ...str(4, 'Add')];
  const graph = [...bytes(1, node), ...str(2, 'tiny'), ...bytes(11, valueInfo('X', [1, n])), ...bytes(12, valueInfo('Y', [1, n]))];
  const opset = [...str(1, ''), ...int(2, 13)];
  const model = [...int(1, 8), ...str(2, 'darkroom-test'), ...bytes(7, graph), ...bytes(8, opset)];
  return Buffer.from(model);
}
