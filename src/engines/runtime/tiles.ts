/**
 * Tiled inference helpers: a grid of overlapping tiles over an image, and a blender that
 * feathers tile outputs together across the overlaps while holding only one band of tile rows in
 * floating point, so memory stays bounded by the output plus one band.
 */

export interface TilePlan {
  /** Tile starts along x and y (input pixels); every tile is `tile` long except on short images. */
  xs: number[];
  ys: number[];
  tileW: number;
  tileH: number;
}

function axisStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const step = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += step) starts.push(s);
  starts.push(length - tile);
  return starts;
}

export function planTiles(width: number, height: number, tile: number, overlap: number): TilePlan {
  return {
    xs: axisStarts(width, tile, overlap),
    ys: axisStarts(height, tile, overlap),
    tileW: Math.min(tile, width),
    tileH: Math.min(tile, height),
  };
}

/**
 * Weights along one axis of tile `i` (output pixels): linear ramps across the overlap with each
 * neighbour, flat 1 elsewhere, so neighbouring weights sum to about 1 and seams fade out.
 */
export function axisWeights(starts: number[], i: number, tileLen: number, scale: number): Float32Array {
  const n = tileLen * scale;
  const w = new Float32Array(n).fill(1);
  const start = starts[i];
  if (i > 0) {
    const ov = (starts[i - 1] + tileLen - start) * scale;
    for (let k = 0; k < Math.min(ov, n); k++) w[k] = Math.min(w[k], (k + 0.5) / ov);
  }
  if (i < starts.length - 1) {
    const ov = (start + tileLen - starts[i + 1]) * scale;
    for (let k = 0; k < Math.min(ov, n); k++) w[n - 1 - k] = Math.min(w[n - 1 - k], (k + 0.5) / ov);
  }
  return w;
}

/** Accumulates weighted tile outputs row band by row band and writes finished rows as bytes. */
export class BandBlender {
  readonly out: Uint8Array;
  private acc: Float32Array;
  private wsum: Float32Array;
  /** Output row held in acc row 0. */
  private bandTop = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: number,
    bandRows: number,
  ) {
    this.out = new Uint8Array(width * height * channels);
    this.acc = new Float32Array(width * bandRows * channels);
    this.wsum = new Float32Array(width * bandRows);
  }

  private get bandRows(): number {
    return this.wsum.length / this.width;
  }

  add(tile: Uint8Array, x: number, y: number, w: number, h: number, wx: Float32Array, wy: Float32Array): void {
    const C = this.channels;
    const r0 = y - this.bandTop;
    if (r0 < 0 || r0 + h > this.bandRows) throw new Error(`tile rows ${y}..${y + h} outside band ${this.bandTop}..${this.bandTop + this.bandRows}`);
    for (let ty = 0; ty < h; ty++) {
      const row = (r0 + ty) * this.width + x;
      const wyv = wy[ty];
      for (let tx = 0; tx < w; tx++) {
        const weight = wx[tx] * wyv;
        const p = row + tx;
        this.wsum[p] += weight;
        const src = (ty * w + tx) * C;
        const dst = p * C;
        for (let c = 0; c < C; c++) this.acc[dst + c] += tile[src + c] * weight;
      }
    }
  }

  /** Writes output rows [bandTop, untilRow) and slides the band down to start at untilRow. */
  flush(untilRow: number): void {
    const rows = Math.min(untilRow, this.height) - this.bandTop;
    if (rows <= 0) return;
    const C = this.channels;
    const W = this.width;
    for (let r = 0; r < rows; r++) {
      for (let x = 0; x < W; x++) {
        const p = r * W + x;
        const inv = this.wsum[p] > 0 ? 1 / this.wsum[p] : 0;
        const o = ((this.bandTop + r) * W + x) * C;
        for (let c = 0; c < C; c++) {
          const v = this.acc[p * C + c] * inv;
          this.out[o + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
    this.acc.copyWithin(0, rows * W * C);
    this.acc.fill(0, this.acc.length - rows * W * C);
    this.wsum.copyWithin(0, rows * W);
    this.wsum.fill(0, this.wsum.length - rows * W);
    this.bandTop += rows;
  }
}

/** Copies a rectangle out of an interleaved image. */
export function cropRegion(data: Uint8Array, width: number, channels: number, x: number, y: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * channels);
  for (let r = 0; r < h; r++) {
    const s = ((y + r) * width + x) * channels;
    out.set(data.subarray(s, s + w * channels), r * w * channels);
  }
  return out;
}
