/**
 * Runs the UpscalerJS ESRGAN models (Keras layers models in TensorFlow.js format, shipped in npm) on
 * onnxruntime: their layers (3×3/5×5/1×1 convolutions, ReLU, concatenation, addition, nearest
 * up-sampling) are translated one to one into an ONNX graph with the same weights. onnxruntime's
 * native kernels run it ~3× faster than tfjs on WebAssembly, with the same output (≤ 2e-4 of a grey level).
 * The graph keeps the tfjs model's layout at its ends: [1, h, w, 3] in, [1, S·h, S·w, 3] out, 0..255.
 * Weights may be float32 or tfjs's uint8/uint16 affine quantisation (widened on load, as tfjs does).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { onnxModel, type OnnxInit, type OnnxNode } from '../onnx-writer.js';

interface KerasLayer {
  class_name: string;
  config: { name: string; filters?: number; kernel_size?: number[]; strides?: number[]; padding?: string; dilation_rate?: number[]; activation?: string; use_bias?: boolean; axis?: number; size?: number[]; interpolation?: string; data_format?: string };
  inbound_nodes?: [string, number, number, unknown][][];
}

interface LayersModelJson {
  modelTopology: { model_config?: { config: { layers: KerasLayer[] } }; config?: { layers: KerasLayer[] } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: Quantization }[] }[];
}

/** tfjs-converter's affine weight quantisation: each stored integer q stands for min + scale·q. */
interface Quantization {
  dtype: string;
  min?: number;
  scale?: number;
}

export const INPUT = 'LR_nhwc';
export const OUTPUT = 'SR_nhwc';

/** The float32 weights by name, read from the manifest's shards in order. */
async function readWeights(dir: string, json: LayersModelJson): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of json.weightsManifest) {
    const bin = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    let at = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      if (w.dtype !== 'float32') throw new Error(`weight ${w.name}: only float32 weights are supported`);
      if (!q) {
        out.set(w.name, { shape: w.shape, data: new Float32Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + 4 * n)) });
        at += 4 * n;
        continue;
      }
      // Quantised weights (the older UpscalerJS models ship as uint8), widened back the way tfjs does on load.
      if ((q.dtype !== 'uint8' && q.dtype !== 'uint16') || q.min === undefined || q.scale === undefined) throw new Error(`weight ${w.name}: ${q.dtype} quantisation is not supported`);
      const bytes = q.dtype === 'uint8' ? 1 : 2;
      const ints = bytes === 1 ? bin.subarray(at, at + n) : new Uint16Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + 2 * n));
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = q.min + q.scale * ints[i];
      out.set(w.name, { shape: w.shape, data });
      at += bytes * n;
    }
  }
  return out;
}

/** Keras kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
function toOihw(k: { shape: number[]; data: Float32Array }): Float32Array {
  const [kh, kw, ci, co] = k.shape;
  const t = new Float32Array(k.data.length);
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) t[((o * ci + i) * kh + y) * kw + x] = k.data[((y * kw + x) * ci + i) * co + o];
  return t;
}

/**
 * Translates the layers model in `dir` (model.json + shards, already checksum-verified) to ONNX bytes.
 * `valueScale` 255: the network works on 0..1 (the older idealo-ISR models) and the graph converts from
 * and to 0..255 at its ends, so every model's graph takes and gives 0..255.
 */
export async function esrganToOnnx(dir: string, { valueScale = 1 }: { valueScale?: 1 | 255 } = {}): Promise<Buffer> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as LayersModelJson;
  const layers = json.modelTopology.model_config?.config.layers ?? json.modelTopology.config?.layers;
  if (!layers) throw new Error('model.json has no layers');
  const weights = await readWeights(dir, json);
  const nodes: OnnxNode[] = [];
  const inits: OnnxInit[] = [];
  let last = '';
  for (const l of layers) {
    const c = l.config;
    const ins = (l.inbound_nodes?.[0] ?? []).map((i) => i[0]);
    const unsupported = () => new Error(`layer ${c.name} (${l.class_name}): configuration not supported`);
    last = c.name;
    switch (l.class_name) {
      case 'InputLayer':
        if (valueScale === 255) {
          inits.push({ name: 'to_unit', dims: [1], values: [1 / 255] });
          nodes.push({ op: 'Mul', in: [INPUT, 'to_unit'], out: ['LR_unit'] });
        }
        nodes.push({ op: 'Transpose', in: [valueScale === 255 ? 'LR_unit' : INPUT], out: [c.name], attrs: { perm: [0, 3, 1, 2] } });
        break;
      case 'Conv2D': {
        const k = weights.get(`${c.name}/kernel`);
        const [kh, kw] = c.kernel_size ?? [];
        if (!k || c.data_format !== 'channels_last' || c.strides?.some((s) => s !== 1) || c.dilation_rate?.some((d) => d !== 1) || kh % 2 !== 1 || kw % 2 !== 1) throw unsupported();
        if (c.activation !== 'linear' && c.activation !== 'relu') throw unsupported();
        const co = k.shape[3];
        const b = c.use_bias === false ? new Float32Array(co) : weights.get(`${c.name}/bias`)?.data;
        if (!b) throw unsupported();
        inits.push({ name: `${c.name}/W`, dims: [co, k.shape[2], kh, kw], values: toOihw(k) }, { name: `${c.name}/B`, dims: [co], values: b });
        // 'same' with stride 1 and an odd kernel pads equally on both sides.
        const ph = c.padding === 'same' ? (kh - 1) / 2 : 0;
        const pw = c.padding === 'same' ? (kw - 1) / 2 : 0;
        const out = c.activation === 'relu' ? `${c.name}/linear` : c.name;
        nodes.push({ op: 'Conv', in: [ins[0], `${c.name}/W`, `${c.name}/B`], out: [out], attrs: { kernel_shape: [kh, kw], pads: [ph, pw, ph, pw] } });
        if (c.activation === 'relu') nodes.push({ op: 'Relu', in: [out], out: [c.name] });
        break;
      }
      case 'Activation':
        if (c.activation !== 'relu') throw unsupported();
        nodes.push({ op: 'Relu', in: ins, out: [c.name] });
        break;
      case 'Concatenate':
        if (c.axis !== 3 && c.axis !== -1) throw unsupported();
        nodes.push({ op: 'Concat', in: ins, out: [c.name], attrs: { axis: 1 } });
        break;
      case 'Add':
        nodes.push({ op: 'Add', in: ins, out: [c.name] });
        break;
      case 'UpSampling2D': {
        if (c.interpolation !== 'nearest' || !c.size) throw unsupported();
        inits.push({ name: `${c.name}/scales`, dims: [4], values: [1, 1, c.size[0], c.size[1]] });
        // Each value repeated into a size[0]×size[1] block, as Keras does.
        nodes.push({ op: 'Resize', in: [ins[0], '', `${c.name}/scales`], out: [c.name], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } });
        break;
      }
      default:
        throw new Error(`layer ${c.name}: ${l.class_name} is not supported`);
    }
  }
  if (valueScale === 255) {
    inits.push({ name: 'from_unit', dims: [1], values: [255] });
    nodes.push({ op: 'Transpose', in: [last], out: ['SR_unit'], attrs: { perm: [0, 2, 3, 1] } }, { op: 'Mul', in: ['SR_unit', 'from_unit'], out: [OUTPUT] });
  } else {
    nodes.push({ op: 'Transpose', in: [last], out: [OUTPUT], attrs: { perm: [0, 2, 3, 1] } });
  }
  return onnxModel({ name: 'esrgan', producer: 'darkroom esrgan-onnx', inputs: [{ name: INPUT, dims: [1, 'h', 'w', 3] }], outputs: [{ name: OUTPUT, dims: [1, 'H', 'W', 3] }], inits, nodes });
}
