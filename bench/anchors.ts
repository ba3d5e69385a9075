/**
 * The bare libraries Darkroom's features are measured against, each set up and warmed in this
 * (the bench's main) process, returned as a call to time: imgly's background removal, UpscalerJS
 * with esrgan-slim on one thread, ImageMagick's auto-level.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { packageDir } from '../src/engines/models/resolve.js';
import { tfjsWasm } from '../src/engines/runtime/tfjs.js';

export type Anchor = { run: () => Promise<void>; close: () => Promise<void> };

/** @imgly/background-removal-node removeBackground(medium) of `photo`, warmed by one run. */
export async function imglyAnchor(photo: Buffer): Promise<Anchor> {
  const imgly = await import('@imgly/background-removal-node');
  const publicPath = pathToFileURL(path.join(packageDir('@imgly/background-removal-node')!, 'dist') + '/').href;
  const run = async () => void (await imgly.removeBackground(new Blob([new Uint8Array(photo)], { type: 'image/png' }), { model: 'medium', publicPath }));
  await run();
  return { run, close: async () => undefined };
}

/** UpscalerJS with esrgan-slim x2 (patch 192, padding 8) on tfjs-wasm, one thread, warmed on a small input. */
export async function upscalerAnchor(photo: Buffer): Promise<Anchor> {
  const tf = await tfjsWasm();
  const { default: Upscaler } = (await import('upscaler')) as unknown as { default: new (o: object) => { execute(t: unknown, o: object): Promise<unknown>; dispose(): Promise<void> } };
  const modelJson = path.join(packageDir('@upscalerjs/esrgan-slim')!, 'models/x2/model.json');
  const upscaler = new Upscaler({ model: { path: pathToFileURL(modelJson).href, scale: 2, modelType: 'layers', inputRange: [0, 255], outputRange: [0, 255] } });
  const { data, info } = await sharp(photo).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const input = tf.tensor3d(Int32Array.from(data), [info.height, info.width, 3], 'int32');
  await upscaler.execute(tf.zeros([200, 200, 3]), { patchSize: 192, padding: 8, output: 'tensor' });
  return {
    run: async () => ((await upscaler.execute(input, { patchSize: 192, padding: 8, output: 'tensor' })) as { dispose(): void }).dispose(),
    close: async () => {
      input.dispose();
      await upscaler.dispose();
    },
  };
}

/** A real ImageMagick (Debian's `imagemagick` package); stand-ins that do not print its banner are ignored. */
export function imageMagick(): string | undefined {
  for (const bin of ['magick', '/usr/bin/convert-im6.q16', '/usr/bin/convert', 'convert']) {
    try {
      if (/ImageMagick/.test(execFileSync(bin, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))) return bin;
    } catch {
      // try the next name
    }
  }
  return undefined;
}
