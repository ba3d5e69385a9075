import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import sharp from 'sharp';
import type { DarkroomConfig } from '../config.js';
import { createDiffusionClient, DIFFUSION_SETTINGS_HINT, type DiffusionClient } from '../engines/generative/backends/client.js';
import { renderPrompt } from '../engines/generative/prompt.js';
import { newSeed } from '../engines/generative/shared.js';
import type { Style } from '../styles/catalog.js';
import { StylesCatalog } from '../styles/service.js';

/** Where the API's static route (src/api/routes/styles.routes.ts) reads `/static/styles/<id>.png` from. */
export function defaultThumbnailDir(config: DarkroomConfig): string {
  return path.join(config.dataDir, 'styles', 'thumbnails');
}

/** Subject used for text-to-image thumbnails: one scene, so styles compare side by side. */
export const THUMBNAIL_SCENE = 'a lighthouse on a rocky coast at sunset';
const THUMB_SIZE = 256;
const RENDER_SIZE = 512;

export function thumbnailPrompt(style: Style): string {
  if (style.feature === 'text-to-image') return renderPrompt(style, THUMBNAIL_SCENE);
  // Hair styles are shown on a head-and-shoulders portrait of the group's subject.
  return `head and shoulders portrait, ${renderPrompt(style).replace(/\ba person\b/, `a ${style.subject}`)}, plain studio background`;
}

export interface ThumbnailReport {
  rendered: number[];
  skipped: number[];
  failed: { id: number; error: string }[];
}

/**
 * `darkroom styles thumbnails`: renders each style's thumbnail through the configured diffusion
 * backend (txt2img, 512², stored as 256² PNG). Existing files are kept unless `force`.
 */
export async function renderStyleThumbnails(opts: {
  config: DarkroomConfig;
  log: Logger;
  feature?: string;
  outDir?: string;
  force?: boolean;
  client?: DiffusionClient;
  /** The shipped catalogs unless given. */
  catalog?: StylesCatalog;
  signal?: AbortSignal;
  onStyle?: (style: Style, done: number, total: number) => void;
}): Promise<ThumbnailReport> {
  const client = opts.client ?? createDiffusionClient(opts.config, opts.log);
  if (!client) throw new Error(`thumbnails are rendered by a diffusion backend and none is configured: ${DIFFUSION_SETTINGS_HINT}`);
  const dir = opts.outDir ?? defaultThumbnailDir(opts.config);
  mkdirSync(dir, { recursive: true });
  const styles = (opts.catalog ?? new StylesCatalog()).allStyles(opts.feature);
  const report: ThumbnailReport = { rendered: [], skipped: [], failed: [] };
  const signal = opts.signal ?? new AbortController().signal;
  for (const [i, style] of styles.entries()) {
    const file = path.join(dir, `${style.id}.png`);
    if (!opts.force && existsSync(file)) {
      report.skipped.push(style.id);
    } else {
      try {
        const out = await client.txt2img(
          { feature: 'text-to-image', prompt: thumbnailPrompt(style), negativePrompt: style.negativePrompt, width: RENDER_SIZE, height: RENDER_SIZE, seed: newSeed(), settings: { ...style.settings, denoise: undefined } },
          { signal },
        );
        await writeFile(file, await sharp(out.data).resize(THUMB_SIZE, THUMB_SIZE, { fit: 'cover' }).png().toBuffer());
        report.rendered.push(style.id);
      } catch (e) {
        if (signal.aborted) throw e;
        report.failed.push({ id: style.id, error: e instanceof Error ? e.message : String(e) });
        opts.log.warn({ style: style.id, err: e instanceof Error ? e.message : String(e) }, 'thumbnail failed');
      }
    }
    opts.onStyle?.(style, i + 1, styles.length);
  }
  return report;
}
