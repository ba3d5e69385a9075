/**
 * Conversions between pictures and the VAE's tensors, and the latent-space mask that inpainting
 * blends through.
 */

/**
 * RGB bytes (HWC) → the VAE's input [1,3,H,W] in −1…1.
 * diffusers src/diffusers/image_processor.py, VaeImageProcessor.normalize: 2·x − 1 (x in 0…1).
 */
export function imageToVae(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = (2 * rgb[3 * i + c]) / 255 - 1;
  return out;
}

/**
 * The VAE decoder's [1,3,H,W] → RGB bytes (HWC).
 * image_processor.py, VaeImageProcessor.denormalize ((x/2 + 0.5).clamp(0, 1)) and numpy_to_pil ((x·255).round()).
 */
export function vaeToImage(t: Float32Array, width: number, height: number): Uint8Array {
  const plane = width * height;
  const out = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(255 * Math.min(1, Math.max(0, t[c * plane + i] / 2 + 0.5)));
  }
  return out;
}

/** Multiplies every value by `k` (latent scaling: ×scaling_factor after encoding, ÷ before decoding). */
export function scaled(t: Float32Array, k: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = t[i] * k;
  return out;
}

/**
 * A pixel mask (255 = repaint) → the weight of the generated latents per latent cell (1 = generated,
 * 0 = the photo's own latents). A cell is repainted when any of its 8×8 pixels is, then the region
 * grows by `grow` cells and gets a feathered rim of one more cell outwards, so the generated part
 * meets the photo through a soft edge in latent space; inside the grown region the weight is exactly 1.
 * (diffusers' pipeline_stable_diffusion_inpaint.py resizes a hard mask to the latent grid; the
 * growth and feather are Darkroom's, against seams where the VAE mixes neighbouring cells.)
 */
export function latentMask(mask: Uint8Array, width: number, height: number, grow = 1): Float32Array {
  const lw = width / 8, lh = height / 8;
  const hard = new Uint8Array(lw * lh);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (mask[y * width + x] >= 128) hard[(y >> 3) * lw + (x >> 3)] = 1;
  const grown = dilate(hard, lw, lh, grow);
  const soft = new Float32Array(lw * lh);
  for (let y = 0; y < lh; y++) {
    for (let x = 0; x < lw; x++) {
      if (grown[y * lw + x]) {
        soft[y * lw + x] = 1;
        continue;
      }
      // Rim: the share of the 3×3 neighbourhood inside the grown region, halved so the rim stays mostly the photo's.
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy, xx = x + dx;
        if (yy >= 0 && yy < lh && xx >= 0 && xx < lw && grown[yy * lw + xx]) n++;
      }
      soft[y * lw + x] = n / 18;
    }
  }
  return soft;
}

function dilate(m: Uint8Array, w: number, h: number, r: number): Uint8Array {
  if (r <= 0) return m;
  const out = new Uint8Array(m.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    if (!m[y * w + x]) continue;
    for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) out.fill(1, yy * w + Math.max(0, x - r), yy * w + Math.min(w - 1, x + r) + 1);
  }
  return out;
}

/**
 * Puts the photo's latents back outside the mask after a step.
 * pipeline_stable_diffusion_inpaint.py, StableDiffusionInpaintPipeline.__call__ (4-channel UNet branch):
 *   latents = (1 − mask)·init_latents_proper + mask·latents
 * where init_latents_proper is the photo's latents noised to the next timestep (clean after the last).
 * `m` has one weight per latent cell, shared by the 4 channels.
 */
export function blendKnown(latents: Float32Array, known: Float32Array, m: Float32Array): Float32Array {
  const plane = m.length;
  const out = new Float32Array(latents.length);
  for (let i = 0; i < latents.length; i++) {
    const w = m[i % plane];
    out[i] = (1 - w) * known[i] + w * latents[i];
  }
  return out;
}
