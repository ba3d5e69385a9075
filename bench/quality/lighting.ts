/**
 * lighting: a known under-exposure (every channel × 0.18 in linear light, about −2.5 stops) of
 * well-exposed photos, brightened by Darkroom's relighting and by CLAHE on L* (the usual classical
 * recipe). Figures: PSNR and SSIM gain over the dark input, both measured against the original.
 */
import { relight } from '../../src/engines/pixel/relight.js';
import { claheL } from './baselines.js';
import { loadPhoto, psnr, ssim, type Rgb } from './images.js';
import { scaleLinear } from './metrics.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';

const PHOTOS = ['building.jpg', 'home.jpg', 'coffee.png', 'chelsea.png', 'fruits.jpg', 'messi5.jpg', 'astronaut.png', 'rocket.jpg'];
const EXPOSURE = 0.18;

/** The global relighting kernel the engine runs in its worker (the face lift needs face models, left out). */
function darkroom(img: Rgb): Rgb {
  return { data: relight({ rgb: img.data, width: img.width, height: img.height }), width: img.width, height: img.height };
}

export const quality: QualityModule = {
  features: ['lighting'],
  floors: [
    { feature: 'lighting', metric: 'PSNR gain (dB)', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
    { feature: 'lighting', metric: 'SSIM gain', over: 'median', limit: 0, better: 'higher', versusBaseline: true },
  ],
  async run() {
    const rows: QualityRow[] = [];
    const sheet: SheetRow[] = [];
    for (const name of PHOTOS) {
      const truth = await loadPhoto(name, 512);
      const dark = scaleLinear(truth, [EXPOSURE, EXPOSURE, EXPOSURE]);
      const mine = darkroom(dark), base = claheL(dark);
      const p0 = psnr(dark, truth), s0 = ssim(dark, truth);
      const c = `${name} ×${EXPOSURE} linear`;
      rows.push({ feature: 'lighting', case: c, metric: 'PSNR gain (dB)', darkroom: psnr(mine, truth) - p0, baseline: psnr(base, truth) - p0, baselineName: 'CLAHE on L*', better: 'higher', notes: `dark input ${p0.toFixed(2)} dB` });
      rows.push({ feature: 'lighting', case: c, metric: 'SSIM gain', darkroom: ssim(mine, truth) - s0, baseline: ssim(base, truth) - s0, baselineName: 'CLAHE on L*', better: 'higher', notes: `dark input ${s0.toFixed(3)}` });
      if (sheet.length < 6) {
        sheet.push({ label: `${c}: PSNR ${p0.toFixed(1)} → Darkroom ${psnr(mine, truth).toFixed(1)} / CLAHE ${psnr(base, truth).toFixed(1)} dB`, tiles: [dark, mine, base, truth] });
      }
    }
    console.error(`sheet: ${await writeSheet('lighting', ['input (dark)', 'Darkroom', 'CLAHE on L*', 'truth'], sheet, { tileHeight: 220 })}`);
    return rows;
  },
};
