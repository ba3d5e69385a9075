/**
 * The tests' small ONNX models, written with src/engines/onnx-writer.ts (nodes with attributes,
 * float tensors, uint8 inputs), so each downloadable model's exact signature can be rebuilt in a few
 * nodes and the loading paths exercised without any weights. The models at the end are shared by
 * several suites.
 */
import { ONNX_FLOAT, ONNX_UINT8, onnxModel as writeOnnx, type OnnxInit, type OnnxNode, type OnnxValue } from '../../src/engines/onnx-writer.js';

export { floatBytes } from '../../src/engines/onnx-writer.js';

export const FLOAT = ONNX_FLOAT;
export const UINT8 = ONNX_UINT8;
export const INT32 = 6;
export const INT64 = 7;

export type Value = OnnxValue;
export type Init = OnnxInit;
export type Node = OnnxNode;

export function onnxModel(g: { inputs: Value[]; outputs: Value[]; inits?: Init[]; nodes: Node[] }): Buffer {
  return writeOnnx({ ...g, name: 'tiny', producer: 'darkroom-tests' });
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
