/**
 * color-correct: casts of known gain applied in linear RGB to photos that have none, corrected by
 * Darkroom's neutral result and by two baselines. Figures:
 * - `cast after/before ΔE2000`: ΔE2000(result, original) / ΔE2000(cast, original), lower is better,
 *   < 1 means the correction brought the photo closer to the original;
 * - `no-cast ΔE2000 moved`: ΔE2000(result, original) on the uncast photo (do no harm).
 * Each figure appears twice, once beside gray-world and once beside ImageMagick-style auto-level.
 */
import sharp from 'sharp';
import { gradeAllKernel } from '../../src/engines/pixel/color-correct.js';
import type { RawImage } from '../../src/engines/image-io.js';
import { autoLevel, grayWorld } from './baselines.js';
import { loadPhoto, type Rgb } from './images.js';
import { meanDeltaE2000, scaleLinear } from './metrics.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';

/** Whole photos, plus crops that one colour dominates (a lawn, a dusk sky). */
const PHOTOS: { name: string; file: string; crop?: (w: number, h: number) => { left: number; top: number; width: number; height: number } }[] = [
  { name: 'building.jpg', file: 'building.jpg' },
  { name: 'home.jpg', file: 'home.jpg' },
  { name: 'rocket.jpg', file: 'rocket.jpg' },
  { name: 'rocket.jpg sky (top half)', file: 'rocket.jpg', crop: (w, h) => ({ left: 0, top: 0, width: w, height: Math.floor(h / 2) }) },
  { name: 'messi5.jpg', file: 'messi5.jpg' },
  { name: 'messi5.jpg grass (bottom third)', file: 'messi5.jpg', crop: (w, h) => ({ left: 0, top: Math.floor((2 * h) / 3), width: w, height: Math.floor(h / 3) }) },
  { name: 'fruits.jpg', file: 'fruits.jpg' },
  { name: 'chelsea.png', file: 'chelsea.png' },
  { name: 'coffee.png', file: 'coffee.png' },
  { name: 'baboon.jpg', file: 'baboon.jpg' },
  { name: 'astronaut.png', file: 'astronaut.png' },
  { name: 'group-4.jpg', file: 'group-4.jpg' },
];

/** Illuminant casts as linear-light channel gains. */
const CASTS: Record<string, [number, number, number]> = {
  warm: [1.25, 1, 0.8],
  cool: [0.8, 1, 1.25],
  green: [0.85, 1.2, 0.85],
  magenta: [1.2, 0.85, 1.2],
};

async function photo(p: (typeof PHOTOS)[number]): Promise<Rgb> {
  const img = await loadPhoto(p.file, 512);
  if (!p.crop) return img;
  const r = p.crop(img.width, img.height);
  const { data, info } = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 3 } }).extract(r).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Darkroom's neutral result, through the same kernel the engine runs in its worker. */
function darkroom(img: Rgb): Rgb {
  const raw: RawImage = { data: Buffer.from(img.data), width: img.width, height: img.height, channels: 3 };
  const [neutral] = gradeAllKernel(raw);
  return { data: new Uint8Array(neutral.data), width: img.width, height: img.height };
}

export const quality: QualityModule = {
  features: ['color-correct'],
  floors: [
    { feature: 'color-correct', metric: 'cast after/before ΔE2000', over: 'median', limit: 0.5, better: 'lower' },
    { feature: 'color-correct', metric: 'no-cast ΔE2000 moved', over: 'every', limit: 3, better: 'lower' },
  ],
  async run() {
    const rows: QualityRow[] = [];
    const sheet: SheetRow[] = [];
    const feature = 'color-correct';
    for (const [pi, p] of PHOTOS.entries()) {
      const truth = await photo(p);
      const moved = (f: (i: Rgb) => Rgb) => meanDeltaE2000(f(truth), truth);
      const mine = moved(darkroom);
      rows.push({ feature, case: p.name, metric: 'no-cast ΔE2000 moved', darkroom: mine, baseline: moved(grayWorld), baselineName: 'gray-world', better: 'lower' });
      rows.push({ feature, case: p.name, metric: 'no-cast ΔE2000 moved (auto-level baseline)', darkroom: mine, baseline: moved(autoLevel), baselineName: 'auto-level', better: 'lower' });
      for (const [ci, [cast, gains]] of Object.entries(CASTS).entries()) {
        const input = scaleLinear(truth, gains);
        const before = meanDeltaE2000(input, truth);
        const results = { darkroom: darkroom(input), grayWorld: grayWorld(input), autoLevel: autoLevel(input) };
        const ratio = (r: Rgb) => meanDeltaE2000(r, truth) / before;
        const d = ratio(results.darkroom);
        const c = `${p.name} ${cast}`;
        const notes = `cast ΔE2000 ${before.toFixed(2)}`;
        rows.push({ feature, case: c, metric: 'cast after/before ΔE2000', darkroom: d, baseline: ratio(results.grayWorld), baselineName: 'gray-world', better: 'lower', notes });
        rows.push({ feature, case: c, metric: 'cast after/before ΔE2000 (auto-level baseline)', darkroom: d, baseline: ratio(results.autoLevel), baselineName: 'auto-level', better: 'lower', notes });
        // One cast per photo on the sheet, rotating through the four.
        if (ci === pi % 4 && !p.crop) {
          sheet.push({
            label: `${c}: after/before ${d.toFixed(2)} (gray-world ${ratio(results.grayWorld).toFixed(2)}, auto-level ${ratio(results.autoLevel).toFixed(2)})`,
            tiles: [input, results.darkroom, results.grayWorld, results.autoLevel, truth],
          });
        }
      }
    }
    const file = await writeSheet(feature, ['input (cast)', 'Darkroom neutral', 'gray-world', 'auto-level', 'truth'], sheet.slice(0, 8), { tileHeight: 200 });
    console.error(`sheet: ${file}`);
    return rows;
  },
};
