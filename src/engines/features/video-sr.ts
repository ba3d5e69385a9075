/**
 * `video-sr`: the input probed (video/video-probe.ts), then 2x Lanczos (capped at 4K) and a mild unsharp mask through ffmpeg (video/ffmpeg.ts).
 */
import { createVideoEnhanceEngine } from '../video/video-sr.js';
import { BUILTIN } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';

export const entry: FeatureEntry = {
  feature: 'video-sr',
  routes: [
    { option: BUILTIN, create: createVideoEnhanceEngine },
  ],
};
