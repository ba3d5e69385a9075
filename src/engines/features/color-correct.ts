/**
 * `color-correct`: gray-edge white balance (pixel/white-balance.ts), levels for faded photos, then neutral, warm, cool and vivid grades.
 */
import { createColorCorrectEngine } from '../pixel/color-correct.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'color-correct',
  routes: [
    { option: BUILTIN, create: createColorCorrectEngine },
  ],
};
