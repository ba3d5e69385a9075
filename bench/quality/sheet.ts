/**
 * Contact sheets for the quality benchmark: one row per photo, tiles in a fixed column order
 * (conventionally input | Darkroom | baseline | truth), all tiles of the sheet scaled to one height,
 * each tile captioned with its column name and the row with its case. Written as
 * docs/images/quality-<feature>.jpg, at most `maxWidth` pixels wide.
 *
 * Captions are SVG text composited by sharp (librsvg + fontconfig, DejaVu Sans on this machine). Where no
 * font is installed the text simply does not render; the column order above is then the legend.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Rgb } from './images.js';

export const SHEET_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/images');

/** A tile: raw RGB, an encoded image, or null for "not available" (drawn as an empty gray tile). */
export type Tile = Rgb | Buffer | null;

export interface SheetRow {
  /** The case, shown above the row (e.g. "grass.png · green cast"). */
  label: string;
  /** One tile per column, in the sheet's column order. */
  tiles: Tile[];
  /** Optional caption per tile appended to the column name (e.g. a figure: "ΔE 2.1"). */
  notes?: (string | undefined)[];
}

export interface SheetOptions {
  maxWidth?: number;
  /** Tile height before the sheet is fitted to maxWidth. */
  tileHeight?: number;
  /** Where to write; defaults to docs/images/quality-<feature>.jpg. */
  file?: string;
}

const GAP = 6;
const LABEL_H = 22;
const CAPTION_H = 18;

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

function textSvg(width: number, height: number, text: string, opts: { size: number; fill: string; background?: string; weight?: string }): Buffer {
  const bg = opts.background ? `<rect width="100%" height="100%" fill="${opts.background}"/>` : '';
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${bg}` +
      `<text x="4" y="${Math.round(height * 0.75)}" font-family="DejaVu Sans, sans-serif" font-size="${opts.size}" font-weight="${opts.weight ?? 'normal'}" fill="${opts.fill}">${escapeXml(text)}</text></svg>`,
  );
}

async function tileSize(tile: Tile): Promise<{ width: number; height: number } | null> {
  if (!tile) return null;
  if (Buffer.isBuffer(tile)) {
    const m = await sharp(tile).metadata();
    return { width: m.width ?? 1, height: m.height ?? 1 };
  }
  return { width: tile.width, height: tile.height };
}

function toSharp(tile: Rgb | Buffer): sharp.Sharp {
  return Buffer.isBuffer(tile) ? sharp(tile).removeAlpha() : sharp(Buffer.from(tile.data.buffer, tile.data.byteOffset, tile.data.byteLength), { raw: { width: tile.width, height: tile.height, channels: 3 } });
}

/** Writes the sheet and returns its path. */
export async function writeSheet(feature: string, columns: readonly string[], rows: readonly SheetRow[], opts: SheetOptions = {}): Promise<string> {
  const maxWidth = opts.maxWidth ?? 1600;
  // Each row's aspect: a missing tile takes the aspect of the row's first present one.
  const sizes = await Promise.all(rows.map((r) => Promise.all(r.tiles.map(tileSize))));
  const aspects = sizes.map((row) => {
    const first = row.find((s) => s) ?? { width: 4, height: 3 };
    return row.map((s) => (s ?? first).width / (s ?? first).height);
  });
  const widest = Math.max(...aspects.map((a) => a.reduce((p, q) => p + q, 0)));
  const cols = Math.max(...rows.map((r) => r.tiles.length));
  const tileH = Math.max(60, Math.min(opts.tileHeight ?? 300, Math.floor((maxWidth - GAP * (cols + 1) - cols) / widest)));

  const layers: sharp.OverlayOptions[] = [];
  let y = GAP;
  let sheetW = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const rowW = Math.min(maxWidth, GAP + aspects[r].reduce((p, a) => p + Math.round(a * tileH) + GAP, 0));
    layers.push({ input: textSvg(rowW, LABEL_H, row.label, { size: 14, fill: '#fff', weight: 'bold' }), left: 0, top: y });
    y += LABEL_H;
    let x = GAP;
    for (let c = 0; c < row.tiles.length; c++) {
      const w = Math.round(aspects[r][c] * tileH);
      const tile = row.tiles[c];
      const img = tile
        ? await toSharp(tile).resize(w, tileH, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer()
        : await sharp({ create: { width: w, height: tileH, channels: 3, background: '#444' } }).png().toBuffer();
      layers.push({ input: img, left: x, top: y });
      const caption = [columns[c] ?? '', row.notes?.[c]].filter(Boolean).join(' · ');
      if (caption) layers.push({ input: textSvg(w, CAPTION_H, caption, { size: 12, fill: '#fff', background: 'rgba(0,0,0,0.6)' }), left: x, top: y });
      x += w + GAP;
    }
    sheetW = Math.max(sheetW, x);
    y += tileH + GAP;
  }
  const file = opts.file ?? path.join(SHEET_DIR, `quality-${feature}.jpg`);
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: Math.min(maxWidth, sheetW), height: y, channels: 3, background: '#1e1e1e' } })
    .composite(layers)
    .jpeg({ quality: 82, mozjpeg: true })
    .toFile(file);
  return file;
}
