import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Style } from './catalog.js';

const SIZE = 256;

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Splits a title into at most three lines of about 16 characters, at spaces. */
function lines(title: string): string[] {
  const out: string[] = [];
  for (const word of title.split(/\s+/).filter(Boolean)) {
    const last = out.at(-1);
    if (last !== undefined && last.length + word.length < 16) out[out.length - 1] = `${last} ${word}`;
    else out.push(word);
  }
  return out.length > 3 ? [...out.slice(0, 2), `${out.slice(2).join(' ').slice(0, 14)}…`] : out;
}

/**
 * Placeholder cards for styles whose thumbnail has not been rendered yet (`darkroom styles
 * thumbnails` renders real ones): a gradient whose hue comes from the style id, with its title.
 * Each card is made once for the owner of the returned function (the style routes of one server);
 * 256² PNG like the rendered ones.
 */
export function placeholderThumbnails(): (style: Pick<Style, 'id' | 'title'>) => Promise<Buffer> {
  const cache = new Map<number, Promise<Buffer>>();
  return (style) => {
    let card = cache.get(style.id);
    if (!card) {
      card = renderPlaceholder(style);
      card.catch(() => cache.delete(style.id));
      cache.set(style.id, card);
    }
    return card;
  };
}

function renderPlaceholder(style: Pick<Style, 'id' | 'title'>): Promise<Buffer> {
  const hue = createHash('sha256').update(String(style.id)).digest()[0] * (360 / 256);
  const text = lines(style.title)
    .map((l, i, all) => `<text x="128" y="${128 + (i - (all.length - 1) / 2) * 30}" dy="0.35em">${escapeXml(l)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},45%,42%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},50%,22%)"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/>
<g font-family="DejaVu Sans, sans-serif" font-size="22" font-weight="bold" fill="#fff" text-anchor="middle">${text}</g>
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
