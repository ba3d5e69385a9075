/**
 * Photo sets beyond the shared bench photos, so a quality floor is checked on pictures the engine was
 * not tuned on: the other shared photos, crops at the photos' native resolution and at half of it
 * (other scales of detail than the 512-px bench copies), photos that npm packages ship, and made scenes
 * (type, line art, a zone plate, grain on a gradient). Every image is raw RGB.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { packageDir } from '../../src/engines/models/resolve.js';
import { TESTDATA } from '../support.js';
import { loadPhoto, type Rgb } from './images.js';

export interface SetPhoto {
  set: string;
  name: string;
  image: Rgb;
}

async function raw(pipeline: sharp.Sharp): Promise<Rgb> {
  const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** A `side`² crop centred at (cx, cy) (fractions of the photo) after scaling the photo by `scale`. */
async function cropAt(file: string, scale: number, cx: number, cy: number, side: number): Promise<Rgb> {
  const meta = await sharp(file).metadata();
  const w = Math.round(meta.width! * scale);
  const h = Math.round(meta.height! * scale);
  const s = Math.min(side, w, h);
  const left = Math.min(w - s, Math.max(0, Math.round(cx * w - s / 2)));
  const top = Math.min(h - s, Math.max(0, Math.round(cy * h - s / 2)));
  const img = sharp(file).rotate();
  return raw((scale === 1 ? img : img.resize(w, h, { kernel: 'lanczos3' })).extract({ left, top, width: s, height: s }));
}

/** Deterministic pseudo-random numbers (mulberry32), so made scenes are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const svg = (w: number, h: number, body: string) => sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`));

async function madeScenes(): Promise<SetPhoto[]> {
  const out: SetPhoto[] = [];
  const add = async (name: string, p: sharp.Sharp) => out.push({ set: 'made scenes', name, image: await raw(p.flatten({ background: '#ffffff' })) });
  await add(
    'type on paper',
    svg(384, 256, `<rect width="384" height="256" fill="#f4efe4"/>` + [9, 11, 14, 18, 24, 32].map((s, i) => `<text x="8" y="${24 + i * 40}" font-family="DejaVu Sans" font-size="${s}" fill="#202020">Darkroom 0123 quick brown fox</text>`).join('')),
  );
  await add(
    'line art and shapes',
    svg(384, 256, `<rect width="384" height="256" fill="#dfe8f0"/>` + Array.from({ length: 12 }, (_, i) => `<line x1="${10 + i * 30}" y1="10" x2="${40 + i * 25}" y2="246" stroke="#23466e" stroke-width="${1 + (i % 3)}"/>`).join('') + `<circle cx="280" cy="120" r="70" fill="#d9622b" stroke="#111" stroke-width="3"/><rect x="40" y="150" width="120" height="80" rx="12" fill="#4c9a2a"/><polygon points="200,30 250,110 150,110" fill="#f2c14e" stroke="#333" stroke-width="2"/>`),
  );
  // A zone plate: rings whose frequency rises from the centre, aliasing-prone by construction.
  {
    const w = 320, h = 256;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const r2 = (x - w / 2) ** 2 + (y - h / 2) ** 2;
      const v = Math.round(127.5 + 110 * Math.cos(r2 / 260));
      data.set([v, v, Math.round(v * 0.9 + 20)], (y * w + x) * 3);
    }
    out.push({ set: 'made scenes', name: 'zone plate', image: { data, width: w, height: h } });
  }
  // A smooth gradient with sensor-like grain and soft blobs: no edges at all.
  {
    const w = 320, h = 256;
    const rnd = seeded(7);
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const blob = 40 * Math.exp(-((x - 100) ** 2 + (y - 90) ** 2) / 3000) - 30 * Math.exp(-((x - 230) ** 2 + (y - 170) ** 2) / 5000);
      const g = () => (rnd() + rnd() + rnd() - 1.5) * 6;
      data.set([60 + x * 0.45 + blob + g(), 80 + y * 0.4 + blob + g(), 150 - x * 0.2 + g()].map((v) => Math.max(0, Math.min(255, Math.round(v)))), (y * w + x) * 3);
    }
    out.push({ set: 'made scenes', name: 'grainy gradient', image: { data, width: w, height: h } });
  }
  return out;
}

/** Photos shipped inside installed npm packages (skipped when a package is missing). */
const NPM_PHOTOS: { pkg: string; file: string; name: string; crop?: { left: number; top: number; width: number; height: number } }[] = [
  { pkg: 'autocannon', file: 'test/j5.jpeg', name: 'autocannon j5 (film still)' },
  { pkg: '@vladmandic/human', file: 'assets/samples.jpg', name: 'human samples (group photo)', crop: { left: 160, top: 420, width: 768, height: 640 } },
  { pkg: '@vladmandic/human', file: 'assets/screenshot-vrm.jpg', name: 'human screenshot-vrm' },
  { pkg: '@fastify/static', file: 'example/public/images/sample.jpg', name: 'fastify sample (red stamp)' },
];

export async function npmPhotos(maxSide = 512): Promise<SetPhoto[]> {
  const out: SetPhoto[] = [];
  for (const p of NPM_PHOTOS) {
    const dir = packageDir(p.pkg);
    const file = dir && path.join(dir, p.file);
    if (!file || !existsSync(file)) continue;
    let img = sharp(file).rotate();
    if (p.crop) img = sharp(await img.extract(p.crop).toBuffer());
    out.push({ set: 'npm photos', name: p.name, image: await raw(img.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })) });
  }
  return out;
}

/** The photo sets for super resolution (truths; callers shrink them). */
export async function srPhotoSets(benchPhotos: string[], maxSide = 512): Promise<SetPhoto[]> {
  const out: SetPhoto[] = [];
  for (const n of benchPhotos) out.push({ set: 'bench photos', name: n, image: await loadPhoto(n, maxSide) });
  for (const n of ['astronaut.png', 'brick.png', 'camera.png', 'grass.png', 'home.jpg', 'messi5.jpg', 'rocket.jpg', 'starry_night.jpg', 'group-3.jpg', 'group-4.jpg']) {
    out.push({ set: 'other shared photos', name: n, image: await loadPhoto(n, maxSide) });
  }
  const crops: [string, number, number, number][] = [
    ['group-3.jpg', 1, 0.5, 0.3], ['group-4.jpg', 1, 0.4, 0.35], ['building.jpg', 1, 0.3, 0.4], ['starry_night.jpg', 1, 0.6, 0.3],
    ['portrait-julia.jpg', 1, 0.5, 0.3], ['rocket.jpg', 1, 0.5, 0.6], ['group-3.jpg', 0.5, 0.5, 0.5], ['group-4.jpg', 0.5, 0.5, 0.6],
  ];
  for (const [n, scale, cx, cy] of crops) out.push({ set: 'native-scale crops', name: `${n} ×${scale} crop`, image: await cropAt(path.join(TESTDATA, n), scale, cx, cy, 256) });
  out.push(...(await npmPhotos(maxSide)));
  out.push(...(await madeScenes()));
  return out;
}

/**
 * One coloured object filling most of a neutral scene, with grain (made), so a white balance that
 * takes the object's colour for the light shows here: a red, a yellow, a blue and a green object on
 * a gray wall and floor.
 */
export async function dominantColourScenes(): Promise<SetPhoto[]> {
  const out: SetPhoto[] = [];
  for (const [name, colour] of [['red', '#c8321e'], ['yellow', '#e8c020'], ['blue', '#2050c0'], ['green', '#30a040']] as const) {
    const body = `<rect width="384" height="288" fill="#8c8a88"/><rect y="220" width="384" height="68" fill="#5a5858"/>` +
      `<ellipse cx="192" cy="140" rx="160" ry="118" fill="${colour}"/><ellipse cx="150" cy="105" rx="40" ry="22" fill="#ffffff" fill-opacity="0.35"/>` +
      `<ellipse cx="192" cy="150" rx="150" ry="100" fill="none" stroke="#000000" stroke-opacity="0.25" stroke-width="14"/>`;
    const img = await raw(svg(384, 288, body).flatten({ background: '#ffffff' }));
    const rnd = seeded(colour.length * 31 + name.length);
    // Sensor-like grain, independent per channel.
    for (let i = 0; i < img.data.length; i++) img.data[i] = Math.max(0, Math.min(255, Math.round(img.data[i] + (rnd() + rnd() + rnd() - 1.5) * 5)));
    out.push({ set: 'one colour dominates', name: `made: ${name} object on gray`, image: img });
  }
  return out;
}
