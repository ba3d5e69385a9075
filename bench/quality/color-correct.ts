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
import { dominantColourScenes, npmPhotos } from './photo-sets.js';
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

type Crop = (w: number, h: number) => { left: number; top: number; width: number; height: number };

/**
 * No cast, one colour filling most of the frame: crops of shared photos where one object dominates,
 * the red stamp an npm package ships, and made scenes (a coloured object on a gray wall). A white
 * balance that takes the object's colour for the light moves these.
 */
const DOMINANT_CROPS: { name: string; file: string; crop: Crop }[] = [
  { name: 'chelsea.png ginger cat (centre half)', file: 'chelsea.png', crop: (w, h) => ({ left: Math.round(w * 0.25), top: 0, width: Math.round(w * 0.5), height: h }) },
  { name: 'coffee.png red table (lower left)', file: 'coffee.png', crop: (w, h) => ({ left: 0, top: Math.round(h * 0.4), width: Math.round(w * 0.45), height: Math.round(h * 0.6) }) },
  { name: 'fruits.jpg fruit (centre)', file: 'fruits.jpg', crop: (w, h) => ({ left: Math.round(w * 0.2), top: Math.round(h * 0.2), width: Math.round(w * 0.6), height: Math.round(h * 0.6) }) },
];

async function dominantCases(): Promise<{ name: string; image: Rgb }[]> {
  const out: { name: string; image: Rgb }[] = [];
  for (const c of DOMINANT_CROPS) out.push({ name: c.name, image: await photo(c) });
  for (const p of await npmPhotos(512)) if (p.name.includes('stamp')) out.push({ name: p.name, image: p.image });
  for (const p of await dominantColourScenes()) out.push({ name: p.name, image: p.image });
  return out;
}

/** Illuminant casts as linear-light channel gains. */
const CASTS: Record<string, [number, number, number]> = {
  warm: [1.25, 1, 0.8],
  cool: [0.8, 1, 1.25],
  green: [0.85, 1.2, 0.85],
  magenta: [1.2, 0.85, 1.2],
};

async function photo(p: { file: string; crop?: Crop }): Promise<Rgb> {
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
    { feature: 'color-correct', metric: 'no-cast ΔE2000 moved, one colour dominates', over: 'every', limit: 3, better: 'lower' },
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
    sheet.splice(6);
    for (const d of await dominantCases()) {
      const moved = (f: (i: Rgb) => Rgb) => meanDeltaE2000(f(d.image), d.image);
      const mine = darkroom(d.image);
      rows.push({ feature, case: d.name, metric: 'no-cast ΔE2000 moved, one colour dominates', darkroom: moved(() => mine), baseline: moved(grayWorld), baselineName: 'gray-world', better: 'lower' });
      sheet.push({ label: `${d.name}, no cast: moved ΔE2000 ${moved(() => mine).toFixed(2)} (gray-world ${moved(grayWorld).toFixed(2)})`, tiles: [d.image, mine, grayWorld(d.image), autoLevel(d.image), d.image] });
    }
    const file = await writeSheet(feature, ['input (cast)', 'Darkroom neutral', 'gray-world', 'auto-level', 'truth'], sheet, { tileHeight: 160 });
    console.error(`sheet: ${file}`);
    return rows;
  },
};
