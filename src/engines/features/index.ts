import type { FeatureId } from '../../features/table.js';
import type { EngineOption } from '../routing/options.js';
import type { FeatureEntry } from './entry.js';
import { entry as colorCorrect } from './color-correct.js';
import { entry as objRemoval } from './obj-removal.js';
import { entry as outPaint } from './out-paint.js';
import { entry as enhance } from './enhance.js';
import { entry as sod } from './sod.js';
import { entry as bgBlur } from './bg-blur.js';
import { entry as bgReplace } from './bg-replace.js';
import { entry as colorize } from './colorize.js';
import { entry as textToImage } from './text-to-image.js';
import { entry as objReplace } from './obj-replace.js';
import { entry as hairStyle } from './hair-style.js';
import { entry as hairExt } from './hair-ext.js';
import { entry as hairBang } from './hair-bang.js';
import { entry as hairVol } from './hair-vol.js';
import { entry as lighting } from './lighting.js';
import { entry as muTransRec } from './mu-trans-rec.js';
import { entry as faceSwapPreProcess } from './face-swap-pre-process.js';
import { entry as faceSwap } from './face-swap.js';
import { entry as videoSr } from './video-sr.js';

/** Every feature that has an engine; a feature of the contract missing here answers a clear task error. */
export const FEATURE_ENTRIES: readonly FeatureEntry[] = [
  colorCorrect,
  objRemoval,
  outPaint,
  enhance,
  sod,
  bgBlur,
  bgReplace,
  colorize,
  textToImage,
  objReplace,
  hairStyle,
  hairExt,
  hairBang,
  hairVol,
  lighting,
  muTransRec,
  faceSwapPreProcess,
  faceSwap,
  videoSr,
];

/**
 * Each feature's engines, best first: a configured diffusion backend where the feature is generative
 * or gains from it, then ONNX models when present, then the built-in method. Derived from the entries,
 * so a feature's options and the engines that serve them are written once, in its entry file.
 */
export const ENGINE_PREFERENCE: Partial<Record<FeatureId, readonly EngineOption[]>> = Object.fromEntries(FEATURE_ENTRIES.map((e) => [e.feature, e.routes.map((r) => r.option)]));
