/**
 * Tiny stand-ins with each downloadable model's exact input/output names, shapes, element types and
 * value ranges; each computes something simple the test can predict, so the adapters' pre- and
 * post-processing (ranges, channel order, mask convention) is what gets checked.
 */
import { onnxModel, UINT8 } from '../../helpers/tiny-onnx.js';

const S = 512;

/** Carve LaMa: image [1,3,512,512] 0..1 + mask [1,1,512,512] (1 = fill) → output 0..255; the hole painted `fill`. */
export function tinyLama(fill: [number, number, number]): Buffer {
  return onnxModel({
    inputs: [{ name: 'image', dims: [1, 3, S, S] }, { name: 'mask', dims: [1, 1, S, S] }],
    outputs: [{ name: 'output', dims: [1, 3, S, S] }],
    inits: [{ name: 'one', dims: [], values: [1] }, { name: 'k255', dims: [], values: [255] }, { name: 'colour', dims: [1, 3, 1, 1], values: fill }],
    nodes: [
      { op: 'Sub', in: ['one', 'mask'], out: ['keep'] },
      { op: 'Mul', in: ['image', 'keep'], out: ['kept'] },
      { op: 'Mul', in: ['colour', 'mask'], out: ['painted'] },
      { op: 'Add', in: ['kept', 'painted'], out: ['unit'] },
      { op: 'Mul', in: ['unit', 'k255'], out: ['output'] },
    ],
  });
}

/** MI-GAN pipeline: image uint8 [1,3,512,512] + mask uint8 (255 = keep) → result uint8; the hole painted `fill` (0..255). */
export function tinyMigan(fill: [number, number, number]): Buffer {
  return onnxModel({
    inputs: [{ name: 'image', dims: [1, 3, S, S], type: UINT8 }, { name: 'mask', dims: [1, 1, S, S], type: UINT8 }],
    outputs: [{ name: 'result', dims: [1, 3, S, S], type: UINT8 }],
    inits: [{ name: 'one', dims: [], values: [1] }, { name: 'k255', dims: [], values: [255] }, { name: 'colour', dims: [1, 3, 1, 1], values: fill }],
    nodes: [
      { op: 'Cast', in: ['image'], out: ['imgF'], attrs: { to: 1 } },
      { op: 'Cast', in: ['mask'], out: ['maskF'], attrs: { to: 1 } },
      { op: 'Div', in: ['maskF', 'k255'], out: ['keep'] },
      { op: 'Sub', in: ['one', 'keep'], out: ['hole'] },
      { op: 'Mul', in: ['imgF', 'keep'], out: ['kept'] },
      { op: 'Mul', in: ['colour', 'hole'], out: ['painted'] },
      { op: 'Add', in: ['kept', 'painted'], out: ['sum'] },
      { op: 'Cast', in: ['sum'], out: ['result'], attrs: { to: UINT8 } },
    ],
  });
}

/** DDColor tiny: input [1,3,256,256] gray RGB 0..1 → output [1,2,256,256] with a = 100·(R − G) and b = `b`. */
export function tinyDdcolor(b: number, side = 256): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, side, side] }],
    outputs: [{ name: 'output', dims: [1, 2, side, side] }],
    inits: [{ name: 'w', dims: [2, 3, 1, 1], values: [100, -100, 0, 0, 0, 0] }, { name: 'b', dims: [2], values: [0, b] }],
    nodes: [{ op: 'Conv', in: ['input', 'w', 'b'], out: ['output'] }],
  });
}

/** ECCV16 / SIGGRAPH17: input [1,1,256,256] L 0..100 → output [1,2,256,256] with a = 0.5·L − 25, b = 20. */
export function tinyZhang(): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 1, 256, 256] }],
    outputs: [{ name: 'output', dims: [1, 2, 256, 256] }],
    inits: [{ name: 'w', dims: [2, 1, 1, 1], values: [0.5, 0] }, { name: 'b', dims: [2], values: [-25, 20] }],
    nodes: [{ op: 'Conv', in: ['input', 'w', 'b'], out: ['output'] }],
  });
}

/** Real-ESRGAN x2: input [1,3,h,w] 0..1 → output [1,3,2h,2w] (nearest neighbour). */
export function tinyRealEsrgan(): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'output', dims: [1, 3, 'h2', 'w2'] }],
    inits: [{ name: 'scales', dims: [4], values: [1, 1, 2, 2] }],
    nodes: [{ op: 'Resize', in: ['input', '', 'scales'], out: ['output'] }],
  });
}

/** GFPGAN: input [1,3,512,512] −1..1 → output = −input (a photographic negative after the mapping back). */
export function tinyGfpgan(): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 512, 512] }],
    outputs: [{ name: 'output', dims: [1, 3, 512, 512] }],
    nodes: [{ op: 'Neg', in: ['input'], out: ['output'] }],
  });
}

/** BiSeNet: input [1,3,512,512] ImageNet-normalised → output [1,19,512,512]; skin (1) where red is bright, hair (17) where dark. */
export function tinyBisenet(): Buffer {
  const w = new Array(19 * 3).fill(0);
  const b = new Array(19).fill(-100);
  w[1 * 3] = 1; b[1] = 0;
  w[17 * 3] = -1; b[17] = 0;
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 512, 512] }],
    outputs: [{ name: 'output', dims: [1, 19, 512, 512] }],
    inits: [{ name: 'w', dims: [19, 3, 1, 1], values: w }, { name: 'b', dims: [19], values: b }],
    nodes: [{ op: 'Conv', in: ['input', 'w', 'b'], out: ['output'] }],
  });
}

/** ArcFace: `input.1` [1,3,112,112] (v − 127.5)/127.5 → [1,512] = per-channel means in the first three slots. */
export function tinyArcface(): Buffer {
  const w = new Array(3 * 512).fill(0);
  w[0] = 1; w[512 + 1] = 1; w[1024 + 2] = 1;
  return onnxModel({
    inputs: [{ name: 'input.1', dims: [1, 3, 112, 112] }],
    outputs: [{ name: '683', dims: [1, 512] }],
    inits: [{ name: 'w', dims: [3, 512], values: w }],
    nodes: [
      { op: 'GlobalAveragePool', in: ['input.1'], out: ['pooled'] },
      { op: 'Flatten', in: ['pooled'], out: ['flat'] },
      { op: 'MatMul', in: ['flat', 'w'], out: ['683'] },
    ],
  });
}

/**
 * inswapper: `target` [1,3,128,128] 0..1 + `source` [1,512] → `output` = 1 − target; like
 * InsightFace's file, the graph's last initializer is the 512×512 `emap`.
 */
export function tinyInswapper(emap: number[] = new Array(512 * 512).fill(0)): Buffer {
  return onnxModel({
    inputs: [{ name: 'target', dims: [1, 3, 128, 128] }, { name: 'source', dims: [1, 512] }],
    outputs: [{ name: 'output', dims: [1, 3, 128, 128] }],
    inits: [{ name: 'one', dims: [], values: [1] }, { name: 'emap', dims: [512, 512], values: emap }],
    nodes: [{ op: 'Sub', in: ['one', 'target'], out: ['output'] }],
  });
}

/**
 * An inpainting stand-in that fills the hole with the local mean of the known pixels (a ~136-px
 * window, pooled on an 8-px grid), LaMa's names, output 0..`outputMax` (Carve's export: 255): what a real model's fill
 * resembles from afar, so `models check` can tell it from a wrong convention.
 */
export function tinyMeanFillLama(outputMax: 1 | 255 = 1): Buffer {
  return onnxModel({
    inputs: [{ name: 'image', dims: [1, 3, S, S] }, { name: 'mask', dims: [1, 1, S, S] }],
    outputs: [{ name: 'output', dims: [1, 3, S, S] }],
    inits: [{ name: 'one', dims: [], values: [1] }, { name: 'eps', dims: [], values: [1e-6] }, { name: 'up', dims: [4], values: [1, 1, 8, 8] }, { name: 'outMax', dims: [], values: [outputMax] }],
    nodes: [
      { op: 'Sub', in: ['one', 'mask'], out: ['keep'] },
      { op: 'Mul', in: ['image', 'keep'], out: ['kept'] },
      { op: 'AveragePool', in: ['kept'], out: ['k8'], attrs: { kernel_shape: [8, 8], strides: [8, 8] } },
      { op: 'AveragePool', in: ['keep'], out: ['w8'], attrs: { kernel_shape: [8, 8], strides: [8, 8] } },
      { op: 'AveragePool', in: ['k8'], out: ['kWide'], attrs: { kernel_shape: [17, 17], pads: [8, 8, 8, 8] } },
      { op: 'AveragePool', in: ['w8'], out: ['wWide'], attrs: { kernel_shape: [17, 17], pads: [8, 8, 8, 8] } },
      { op: 'Add', in: ['wWide', 'eps'], out: ['wSafe'] },
      { op: 'Div', in: ['kWide', 'wSafe'], out: ['mean'] },
      { op: 'Resize', in: ['mean', '', 'up'], out: ['meanUp'], attrs: { mode: 'linear' } },
      { op: 'Mul', in: ['meanUp', 'mask'], out: ['painted'] },
      { op: 'Add', in: ['kept', 'painted'], out: ['unit'] },
      { op: 'Mul', in: ['unit', 'outMax'], out: ['output'] },
    ],
  });
}

/** A super-resolution stand-in: bicubic ×`scale` then a mild 3×3 sharpen, optionally of fixed input side. */
export function tinySharpSr(scale: 2 | 4, fixedSide?: number): Buffer {
  const k = 0.2;
  const kernel = [0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0];
  return onnxModel({
    inputs: [{ name: 'input', dims: fixedSide ? [1, 3, fixedSide, fixedSide] : [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'output', dims: fixedSide ? [1, 3, scale * fixedSide, scale * fixedSide] : [1, 3, 'H', 'W'] }],
    inits: [{ name: 'scales', dims: [4], values: [1, 1, scale, scale] }, { name: 'k', dims: [3, 1, 3, 3], values: [...kernel, ...kernel, ...kernel] }],
    nodes: [
      { op: 'Resize', in: ['input', '', 'scales'], out: ['up'], attrs: { mode: 'cubic' } },
      { op: 'Conv', in: ['up', 'k'], out: ['output'], attrs: { group: 3, pads: [1, 1, 1, 1] } },
    ],
  });
}

/** Real-ESRGAN x2 nearest neighbour plus `offset` (0..1 units) everywhere: a broken model for the checks. */
export function tinyRealEsrganOffset(offset: number): Buffer {
  return onnxModel({
    inputs: [{ name: 'input', dims: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'output', dims: [1, 3, 'h2', 'w2'] }],
    inits: [{ name: 'scales', dims: [4], values: [1, 1, 2, 2] }, { name: 'offset', dims: [], values: [offset] }],
    nodes: [
      { op: 'Resize', in: ['input', '', 'scales'], out: ['up'] },
      { op: 'Add', in: ['up', 'offset'], out: ['output'] },
    ],
  });
}
