/**
 * A Stable Diffusion ONNX export in miniature: the tokenizer files in their real formats and the four
 * networks with the input and output names, element types and ranks of diffusers/optimum's export
 * (text_encoder, unet with LCM's timestep_cond, vae_decoder, vae_encoder), in a few nodes each, with
 * outputs a test can predict.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FLOAT, floatBytes, INT32, INT64, onnxModel } from '../../helpers/tiny-onnx.js';

export const HIDDEN = 8;
export const COND = 256;
const VOCAB = 64;

/** A CLIP-style vocabulary: specials, a–z as word parts and word ends, and a few merged words. */
export function tinyVocab(): { vocab: Record<string, number>; merges: string[] } {
  const vocab: Record<string, number> = { '<|startoftext|>': 0, '<|endoftext|>': 1 };
  let id = 2;
  for (const c of 'abcdefghijklmnopqrstuvwxyz') {
    vocab[c] = id++;
    vocab[`${c}</w>`] = id++;
  }
  for (const w of ['ca', 'cat</w>', 'do', 'dog</w>', 'red</w>', 're']) vocab[w] = id++;
  return { vocab, merges: ['c a', 'ca t</w>', 'd o', 'do g</w>', 'r e', 're d</w>'] };
}

export function writeTinyTokenizer(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { vocab, merges } = tinyVocab();
  writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify(vocab));
  writeFileSync(path.join(dir, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
  // The keys of SD 1.5 exports' tokenizer/tokenizer_config.json (CLIPTokenizer.save_pretrained).
  const special = (content: string) => ({ content, lstrip: false, normalized: true, rstrip: false, single_word: false, special: true });
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      add_prefix_space: false,
      added_tokens_decoder: { 0: special('<|startoftext|>'), 1: special('<|endoftext|>') },
      additional_special_tokens: [],
      bos_token: '<|startoftext|>',
      clean_up_tokenization_spaces: true,
      do_lower_case: true,
      eos_token: '<|endoftext|>',
      errors: 'replace',
      model_max_length: 77,
      pad_token: '<|endoftext|>',
      tokenizer_class: 'CLIPTokenizer',
      tokenizer_file: null,
      unk_token: '<|endoftext|>',
    }),
  );
}

/** input_ids [1,77] → last_hidden_state [1,77,8] (a row of a fixed table per token) and pooler_output. */
export function tinyTextEncoder(idsType = INT32): Buffer {
  const table: number[] = [];
  for (let v = 0; v < VOCAB; v++) for (let d = 0; d < HIDDEN; d++) table.push(0.5 * Math.sin(0.7 * v + d));
  return onnxModel({
    inputs: [{ name: 'input_ids', dims: [1, 77], type: idsType }],
    outputs: [{ name: 'last_hidden_state', dims: [1, 77, HIDDEN] }, { name: 'pooler_output', dims: [1, HIDDEN] }],
    inits: [{ name: 'table', dims: [VOCAB, HIDDEN], values: table }],
    nodes: [
      { op: 'Gather', in: ['table', 'input_ids'], out: ['last_hidden_state'], attrs: { axis: 0 } },
      { op: 'ReduceMean', in: ['last_hidden_state'], out: ['pooler_output'], attrs: { axes: [1], keepdims: 0 } },
    ],
  });
}

/** The UNet's three weights, kept in `model.onnx_data` beside the graph as the real export keeps its 3.4 GB. */
const UNET_WEIGHTS = [0.05, 0.001, 1e-5];
export const UNET_DATA = floatBytes(UNET_WEIGHTS);

/**
 * sample [1,4,h,w], timestep [1] (int64 as optimum exports it, or float), encoder_hidden_states
 * [1,77,8], timestep_cond [1,256] → out_sample = sample − 0.05·mean(text) − 0.001·mean(cond) + 1e−5·t,
 * the weights in the external file `model.onnx_data`.
 */
export function tinyUnet(timestepType = INT64): Buffer {
  const external = (i: number) => ({ location: 'model.onnx_data', offset: 4 * i });
  return onnxModel({
    inputs: [
      { name: 'sample', dims: [1, 4, 'h', 'w'] },
      { name: 'timestep', dims: [1], type: timestepType },
      { name: 'encoder_hidden_states', dims: [1, 77, HIDDEN] },
      { name: 'timestep_cond', dims: [1, COND] },
    ],
    outputs: [{ name: 'out_sample', dims: [1, 4, 'h', 'w'] }],
    inits: [
      { name: 'kText', dims: [], values: [UNET_WEIGHTS[0]], external: external(0) },
      { name: 'kCond', dims: [], values: [UNET_WEIGHTS[1]], external: external(1) },
      { name: 'kT', dims: [], values: [UNET_WEIGHTS[2]], external: external(2) },
    ],
    nodes: [
      { op: 'ReduceMean', in: ['encoder_hidden_states'], out: ['hm'], attrs: { axes: [1, 2], keepdims: 1 } },
      { op: 'Mul', in: ['hm', 'kText'], out: ['ht'] },
      { op: 'ReduceMean', in: ['timestep_cond'], out: ['cm'], attrs: { axes: [1], keepdims: 1 } },
      { op: 'Mul', in: ['cm', 'kCond'], out: ['ct'] },
      ...(timestepType === FLOAT ? [{ op: 'Identity', in: ['timestep'], out: ['tf'] }] : [{ op: 'Cast', in: ['timestep'], out: ['tf'], attrs: { to: FLOAT } }]),
      { op: 'Mul', in: ['tf', 'kT'], out: ['tt'] },
      { op: 'Sub', in: ['sample', 'ht'], out: ['a'] },
      { op: 'Sub', in: ['a', 'ct'], out: ['b'] },
      { op: 'Add', in: ['b', 'tt'], out: ['out_sample'] },
    ],
  });
}

/** latent_sample [1,4,h,w] → sample [1,3,8h,8w] in −1…1: 0.5 × the first three channels, each cell an 8×8 block. */
export function tinyVaeDecoder(flat = false): Buffer {
  const w: number[] = [];
  for (let o = 0; o < 3; o++) for (let i = 0; i < 4; i++) w.push(o === i && !flat ? 0.5 : 0);
  return onnxModel({
    inputs: [{ name: 'latent_sample', dims: [1, 4, 'h', 'w'] }],
    outputs: [{ name: 'sample', dims: [1, 3, 'H', 'W'] }],
    inits: [
      { name: 'w', dims: [3, 4, 1, 1], values: w },
      { name: 'b', dims: [3], values: [0, 0, 0] },
      { name: 'scales', dims: [4], values: [1, 1, 8, 8] },
    ],
    nodes: [
      { op: 'Conv', in: ['latent_sample', 'w', 'b'], out: ['c'] },
      { op: 'Resize', in: ['c', '', 'scales'], out: ['sample'] },
    ],
  });
}

/**
 * sample [1,3,H,W] → latents [1,4,H/8,W/8]: 2 × each 8×8 block's mean (channel 4 zero), the decoder's
 * inverse. `parameters` gives optimum's newer output instead: latent_parameters [1,8,…], mean then a
 * constant log-variance.
 */
export function tinyVaeEncoder(parameters = false): Buffer {
  const out = parameters ? 8 : 4;
  const w: number[] = [];
  for (let o = 0; o < out; o++) for (let i = 0; i < 3; i++) w.push(o === i ? 2 : 0);
  return onnxModel({
    inputs: [{ name: 'sample', dims: [1, 3, 'H', 'W'] }],
    outputs: [{ name: parameters ? 'latent_parameters' : 'latent_sample', dims: [1, out, 'h', 'w'] }],
    inits: [
      { name: 'w', dims: [out, 3, 1, 1], values: w },
      { name: 'b', dims: [out], values: Array.from({ length: out }, (_, i) => (i >= 4 ? -5 : 0)) },
    ],
    nodes: [
      { op: 'AveragePool', in: ['sample'], out: ['p'], attrs: { kernel_shape: [8, 8], strides: [8, 8] } },
      { op: 'Conv', in: ['p', 'w', 'b'], out: [parameters ? 'latent_parameters' : 'latent_sample'] },
    ],
  });
}

export interface TinyDiffusionOptions {
  idsType?: number;
  timestepType?: number;
  encoderParameters?: boolean;
  /** A broken decoder that answers mid-grey whatever the latents. */
  flatDecoder?: boolean;
}

/** The model folder in diffusers' ONNX layout (the UNet's weights in an external file); returns its files by place. */
export function writeTinyDiffusion(dir: string, o: TinyDiffusionOptions = {}): Record<string, Buffer> {
  writeTinyTokenizer(path.join(dir, 'tokenizer'));
  const nets: Record<string, Buffer> = {
    'text_encoder/model.onnx': tinyTextEncoder(o.idsType),
    'unet/model.onnx': tinyUnet(o.timestepType),
    'unet/model.onnx_data': UNET_DATA,
    'vae_decoder/model.onnx': tinyVaeDecoder(o.flatDecoder),
    'vae_encoder/model.onnx': tinyVaeEncoder(o.encoderParameters),
  };
  for (const [p, bytes] of Object.entries(nets)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), bytes);
  }
  return nets;
}

/** Installs the tiny model as an operator's own diffusion export: files plus a `catalog.json` entry with every sha256. */
export function installTinyDiffusion(modelsDir: string, name = 'tiny-lcm', o: TinyDiffusionOptions = {}): void {
  const dir = path.join(modelsDir, name);
  writeTinyDiffusion(dir, o);
  const files = ['tokenizer/vocab.json', 'tokenizer/merges.txt', 'tokenizer/tokenizer_config.json', 'text_encoder/model.onnx', 'unet/model.onnx', 'unet/model.onnx_data', 'vae_decoder/model.onnx', 'vae_encoder/model.onnx'].map((p) => ({
    path: p,
    sha256: createHash('sha256').update(readFileSync(path.join(dir, p))).digest('hex'),
  }));
  const catalogFile = path.join(modelsDir, 'catalog.json');
  const others = existsSync(catalogFile) ? (JSON.parse(readFileSync(catalogFile, 'utf8')) as { name: string }[]).filter((e) => e.name !== name) : [];
  writeFileSync(catalogFile, JSON.stringify([...others, { name, role: 'diffusion', signature: 'lcm-sd15', features: ['text-to-image'], files }]));
}
