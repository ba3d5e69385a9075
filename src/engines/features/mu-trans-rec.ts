/**
 * `mu-trans-rec`: face landmarks (face/analysis.ts) and the makeup layer of the reference carried onto the source face (face/makeup-kernel.ts).
 */
import { createMakeupTransferEngine } from '../face/makeup-engine.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'mu-trans-rec',
  routes: [
    { option: BUILTIN, create: createMakeupTransferEngine },
  ],
};
