import { randomInt } from 'node:crypto';
import type { DarkroomConfig } from '../../config.js';
import { feature as featureSpec, type FeatureId } from '../../features/table.js';
import { getStyle, parseId, StyleCatalogError } from '../../styles/service.js';
import type { Style } from '../../styles/catalog.js';
import type { Availability, EngineDeps } from '../engine.js';
import { EngineError } from '../errors.js';
import { createDiffusionClient, DIFFUSION_SETTINGS_HINT, type DiffusionClient } from './backends/client.js';
import type { NsfwCheck } from './safety.js';

/** Engine deps plus what tests (and other areas) may inject: a diffusion client and an NSFW check. */
export interface GenerativeDeps extends EngineDeps {
  /** `null` means "none configured"; absent means "build from config". */
  diffusion?: DiffusionClient | null;
  nsfw?: NsfwCheck | null;
}

// One client per configuration, so per-backend concurrency limits hold across every feature.
const clients = new WeakMap<DarkroomConfig, DiffusionClient | null>();

export function sharedDiffusionClient(deps: EngineDeps): DiffusionClient | undefined {
  if (!clients.has(deps.config)) clients.set(deps.config, createDiffusionClient(deps.config, deps.log) ?? null);
  return clients.get(deps.config) ?? undefined;
}

export function diffusionFor(deps: GenerativeDeps): DiffusionClient | undefined {
  if ('diffusion' in deps) return deps.diffusion ?? undefined;
  return sharedDiffusionClient(deps);
}

export function diffusionAvailability(client: DiffusionClient | undefined): Availability {
  if (!client) return { available: false, reason: `no diffusion backend is configured: ${DIFFUSION_SETTINGS_HINT}` };
  return { available: true, implementation: client.describe() };
}

export function requireDiffusion(client: DiffusionClient | undefined, id: FeatureId): DiffusionClient {
  if (!client) throw new EngineError('error_inference', `${featureSpec(id).title} needs a diffusion backend and none is configured: ${DIFFUSION_SETTINGS_HINT}`);
  return client;
}

/**
 * `style_group_id` + `style_ids: [one id]` → the style. Throws StyleCatalogError (the API's 400
 * InvalidStyleGroup/InvalidStyle when the lead validates at submit time); engines turn it into
 * `invalid_parameter`.
 */
export function resolveStyleParams(id: FeatureId, params: Record<string, unknown>): Style {
  const groupId = parseId(params.style_group_id);
  if (groupId === undefined) throw new StyleCatalogError('InvalidStyleGroup', 'style_group_id is required (an integer id from the style-group list)');
  const ids = params.style_ids;
  if (!Array.isArray(ids) || ids.length !== 1) throw new StyleCatalogError('InvalidStyle', 'style_ids must hold exactly one style id');
  const style = getStyle(id, ids[0]);
  if (style.groupId !== groupId) throw new StyleCatalogError('InvalidStyle', `style ${style.id} is not in style group ${groupId}`);
  return style;
}

export function styleForTask(id: FeatureId, params: Record<string, unknown>): Style {
  try {
    return resolveStyleParams(id, params);
  } catch (e) {
    if (e instanceof StyleCatalogError) throw new EngineError('invalid_parameter', e.message);
    throw e;
  }
}

export const MAX_PROMPT_CHARS = 500;

export function promptParam(params: Record<string, unknown>, max = MAX_PROMPT_CHARS): string {
  const p = params.prompt;
  if (typeof p !== 'string' || p.trim() === '') throw new EngineError('invalid_parameter', 'prompt is required (a non-empty string)');
  if ([...p].length > max) throw new EngineError('invalid_parameter', `prompt is ${[...p].length} characters; at most ${max} are accepted`);
  return p.trim();
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
