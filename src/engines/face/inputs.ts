/** Decoding inputs of the face features into RGB pixels. */
import type { FeatureSpec } from '../../features/table.js';
import type { EngineDeps, EngineFile } from '../engine.js';
import { loadImage, toRaw, type RawImage } from '../image-io.js';
import type { InputFormat } from '../../features/table.js';

export interface RgbInput {
  raw: RawImage & { channels: 3 };
  format: InputFormat;
}

export async function loadRgb(file: EngineFile, spec: FeatureSpec, deps: EngineDeps): Promise<RgbInput> {
  const img = await loadImage(file, spec, { maxPixels: deps.config.engines.maxPixels });
  const raw = (await toRaw(img.image, 3)) as RawImage & { channels: 3 };
  return { raw, format: img.format };
}

/** Output format: the client's `output_ext`, else PNG for PNG input, else JPEG. */
export function outputExtFor(requested: 'jpg' | 'png' | undefined, input: InputFormat): 'jpg' | 'png' {
  return requested ?? (input === 'png' ? 'png' : 'jpg');
}
