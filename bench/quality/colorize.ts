/**
 * colorize: color photos turned to gray (CIE luminance, so L* is kept) and colorized again; ΔE2000 of
 * the result to the original, beside the gray input's own ΔE2000 (a model that adds no colour scores
 * exactly that). Needs DDColor weights in the models folder; without them one row says so and the
 * module does not fail.
 */
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createColorizeEngine } from '../../src/engines/neural/colorize.js';
import { createWorkerPool } from '../../src/engines/runtime/pool.js';
import { decodeRgb, encodePng, loadPhoto } from './images.js';
import { grayscale, meanDeltaE2000 } from './metrics.js';
import { writeSheet, type SheetRow } from './sheet.js';
import type { QualityModule, QualityRow } from './types.js';

const PHOTOS = ['fruits.jpg', 'chelsea.png', 'coffee.png', 'home.jpg', 'astronaut.png', 'messi5.jpg'];

export const quality: QualityModule = {
  features: ['colorize'],
  async run() {
    const config = loadConfig({});
    const pool = createWorkerPool(1);
    const engine = createColorizeEngine({ config, log: pino({ level: 'silent' }), pool });
    try {
      const availability = await engine.availability();
      if (!availability.available) {
        console.error(`colorize skipped: ${availability.reason}`);
        return [{ feature: 'colorize', case: 'skipped (no weights)', metric: 'ΔE2000 to original', darkroom: NaN, better: 'lower', notes: availability.reason }];
      }
      const rows: QualityRow[] = [];
      const sheet: SheetRow[] = [];
      for (const name of PHOTOS) {
        const truth = await loadPhoto(name, 512);
        const gray = grayscale(truth);
        const data = await encodePng(gray);
        const [out] = await engine.run(
          { taskId: `quality-${name}`, feature: 'colorize', files: { src_ids: [{ fileId: name, fileName: 'gray.png', contentType: 'image/png', data }] }, params: {}, outputExt: 'png' },
          { signal: new AbortController().signal, reportProgress: () => {}, log: pino({ level: 'silent' }) },
        );
        const result = await decodeRgb(out.data);
        const d = meanDeltaE2000(result, truth);
        rows.push({ feature: 'colorize', case: `${name} grayscaled`, metric: 'ΔE2000 to original', darkroom: d, baseline: meanDeltaE2000(gray, truth), baselineName: 'gray input', better: 'lower' });
        sheet.push({ label: `${name}: ΔE2000 ${d.toFixed(2)} (gray ${meanDeltaE2000(gray, truth).toFixed(2)})`, tiles: [gray, result, gray, truth] });
      }
      console.error(`sheet: ${await writeSheet('colorize', ['input (gray)', 'Darkroom', 'baseline: gray', 'truth'], sheet, { tileHeight: 220 })}`);
      return rows;
    } finally {
      await pool.destroy();
    }
  },
};
