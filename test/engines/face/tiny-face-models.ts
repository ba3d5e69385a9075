/**
 * A tiny inswapper whose added colour depends only on the identity latent, so a test can see that the
 * reference's embedding (through ArcFace, the emap and the latent) is what reaches the pasted face.
 */
import { onnxModel } from '../../helpers/tiny-onnx.js';

/**
 * inswapper's signature (`target` [1,3,128,128] 0..1, `source` [1,512] → `output` [1,3,128,128]);
 * every output pixel is 0.6 × the target's plus ¼ × (latent[0], latent[1], latent[2]): the face's features
 * stay (so the swap's self-check keeps the result) and the added colour is the identity's. The last
 * initializer is the `emap`.
 */
export function tinyLatentSwapper(emap: number[]): Buffer {
  const pick = new Array(3 * 512).fill(0);
  for (let c = 0; c < 3; c++) pick[c * 512 + c] = 0.25;
  return onnxModel({
    inputs: [{ name: 'target', dims: [1, 3, 128, 128] }, { name: 'source', dims: [1, 512] }],
    outputs: [{ name: 'output', dims: [1, 3, 128, 128] }],
    inits: [{ name: 'keep', dims: [], values: [0.6] }, { name: 'pick', dims: [3, 1, 512], values: pick }, { name: 'emap', dims: [512, 512], values: emap }],
    nodes: [
      { op: 'Transpose', in: ['source'], out: ['column'], attrs: { perm: [1, 0] } },
      // [3,1,512] @ [512,1] → [3,1,1]: one value per channel, broadcast over the crop below.
      { op: 'MatMul', in: ['pick', 'column'], out: ['colour'] },
      { op: 'Mul', in: ['target', 'keep'], out: ['faded'] },
      { op: 'Add', in: ['faded', 'colour'], out: ['output'] },
    ],
  });
}

/** An emap that is the identity except that latent channels `a` and `b` trade places. */
export function swappingEmap(a: number, b: number): number[] {
  const m = new Array(512 * 512).fill(0);
  for (let i = 0; i < 512; i++) m[i * 512 + (i === a ? b : i === b ? a : i)] = 1;
  return m;
}
