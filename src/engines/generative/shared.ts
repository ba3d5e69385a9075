import { randomInt } from 'node:crypto';
import { feature as featureSpec, type FeatureId } from '../../features/table.js';
import type { Availability, EngineConfig, EngineDeps, EngineJob, StylePreset } from '../engine.js';
import { EngineError } from '../errors.js';
import { createDiffusionClient, DIFFUSION_SETTINGS_HINT, type DiffusionClient } from './backends/client.js';
import type { NsfwCheck } from './safety.js';
import { embeddedDiffusionClient } from '../diffusion/index.js';

/** Engine deps plus what tests (and other areas) may inject: a diffusion client and an NSFW check. */
export interface GenerativeDeps extends EngineDeps {
  /** `null` means "none configured"; absent means "build from config". */
  diffusion?: DiffusionClient | null;
  nsfw?: NsfwCheck | null;
}

// One client per configuration, so per-backend concurrency limits hold across every feature.
const clients = new WeakMap<EngineConfig, DiffusionClient | null>();

export function sharedDiffusionClient(deps: EngineDeps): DiffusionClient | undefined {
  if (!clients.has(deps.config)) clients.set(deps.config, createDiffusionClient(deps.config, deps.log) ?? null);
  // A configured server comes first; without one, the embedded CPU engine when its model is installed.
  return clients.get(deps.config) ?? embeddedDiffusionClient(deps.config, deps.pool, deps.log);
}

export function diffusionFor(deps: GenerativeDeps): DiffusionClient | undefined {
  if ('diffusion' in deps) return deps.diffusion ?? undefined;
  return sharedDiffusionClient(deps);
}

export function diffusionAvailability(client: DiffusionClient | undefined): Availability {
  if (!client) return { available: false, reason: `no diffusion engine: ${DIFFUSION_SETTINGS_HINT}` };
  return { available: true, implementation: client.describe() };
}

export function requireDiffusion(client: DiffusionClient | undefined, id: FeatureId): DiffusionClient {
  if (!client) throw new EngineError('error_inference', `${featureSpec(id).title} needs a diffusion engine and none is installed or configured: ${DIFFUSION_SETTINGS_HINT}`);
  return client;
}

/** The style the task path resolved for a styled feature (src/tasks/task-style.ts). */
export function styleOf(job: EngineJob): StylePreset {
  if (!job.style) throw new EngineError('invalid_parameter', `${featureSpec(job.feature).title} needs a style: style_group_id and style_ids`);
  return job.style;
}

/**
 * How much prompt the backends' text encoder reads. CLIP takes 77 tokens per pass; A1111 and ComfyUI
 * encode longer prompts in 75-token chunks and join them, and past about three chunks more text only
 * dilutes the conditioning. At roughly 4 characters a token that is about 1000 characters. The contract
 * accepts much longer prompts (clients send long templates); the engine cuts them here, not refuses.
 */
export const ENCODER_PROMPT_CHARS = 1000;

/** The prompt as the encoder will read it: trimmed, and cut at a word boundary to ENCODER_PROMPT_CHARS. */
export function encoderPrompt(prompt: string, max = ENCODER_PROMPT_CHARS): string {
  const chars = [...prompt.trim()];
  if (chars.length <= max) return chars.join('');
  const cut = chars.slice(0, max).join('');
  const lastSpace = cut.search(/\s\S*$/);
  return (lastSpace > max * 0.8 ? cut.slice(0, lastSpace) : cut).trimEnd();
}

/** Seeds both engines accept (A1111 takes -1 for random, so Darkroom always sends its own). */
export function newSeed(): number {
  return randomInt(0, 2 ** 32 - 1);
}

/** Maps a sub-step's 0..1 onto [from, to] of the task's progress. */
export function progressSpan(report: (f: number) => void, from: number, to: number): (f: number) => void {
  return (f) => report(from + (to - from) * Math.max(0, Math.min(1, f)));
}

/** Rounds down to a multiple of 8 (latent grids are 8 px), at least 64. */
export function multipleOf8(v: number): number {
  return Math.max(64, Math.floor(v / 8) * 8);
}
