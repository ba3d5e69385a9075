import { OUT_PAINT_MAX_SIDE, type OutPaintParams } from '../../../sdk/src/index.ts';
import { field, h } from '../dom.ts';

/** The ten extender parameters, typed once in the SDK. */
export type ExtenderGeometry = OutPaintParams;

export interface ExtenderFrame {
  el: HTMLElement;
  params(): ExtenderGeometry;
  /** A message when the geometry breaks the spec's rules, else null. */
  problem(): string | null;
}

const MAX = OUT_PAINT_MAX_SIDE;

/**
 * Image extender geometry: the output canvas size and where the photo sits in it, with a live,
 * to-scale preview. Presets cover the common cases; the numbers stay editable for the rest.
 */
export function extenderFrame(image: HTMLImageElement): ExtenderFrame {
  const iw = image.naturalWidth;
  const ih = image.naturalHeight;
  const num = (name: string, value: number, min: number): HTMLInputElement => h('input', { type: 'number', name, min, max: MAX, step: 1, value: String(value), inputmode: 'numeric' });
  const outW = num('output_width', Math.min(MAX, Math.round(iw * 1.5)), 1);
  const outH = num('output_height', Math.min(MAX, Math.round(ih * 1.5)), 1);
  const x = num('input_x', Math.round((Number(outW.value) - iw) / 2), 0);
  const y = num('input_y', Math.round((Number(outH.value) - ih) / 2), 0);
  const preset = h(
    'select',
    { name: 'preset' },
    h('option', { value: 'all' }, 'Extend all sides ×1.5'),
    h('option', { value: 'wide' }, 'Widen to 16:9'),
    h('option', { value: 'tall' }, 'Make portrait 9:16'),
    h('option', { value: 'square' }, 'Square'),
    h('option', { value: 'custom' }, 'Custom'),
  );
  const photo = h('img', { src: image.src, alt: '', class: 'ext-photo' });
  const canvasBox = h('div', { class: 'ext-canvas', role: 'img' }, photo);
  const problemEl = h('p', { class: 'error', role: 'alert', hidden: true });

  const geometry = (): ExtenderGeometry => ({
    output_width: Number(outW.value),
    output_height: Number(outH.value),
    input_x: Number(x.value),
    input_y: Number(y.value),
    input_width: iw,
    input_height: ih,
    crop_input_x: 0,
    crop_input_y: 0,
    crop_input_width: iw,
    crop_input_height: ih,
  });

  const problem = (): string | null => {
    const g = geometry();
    if ([g.output_width, g.output_height].some((v) => !Number.isInteger(v) || v < 1 || v > MAX)) return `Output size must be whole pixels between 1 and ${MAX}.`;
    if (g.input_x < 0 || g.input_y < 0) return 'The photo position cannot be negative.';
    if (g.input_x + g.input_width > g.output_width || g.input_y + g.input_height > g.output_height) return 'The photo must fit inside the output canvas: make the canvas bigger or move the photo.';
    if (g.output_width * g.output_height <= g.input_width * g.input_height) return 'The output canvas must be larger than the photo.';
    return null;
  };

  const draw = (): void => {
    const g = geometry();
    canvasBox.style.aspectRatio = `${Math.max(1, g.output_width)} / ${Math.max(1, g.output_height)}`;
    canvasBox.style.setProperty('--ratio', String(Math.max(1, g.output_width) / Math.max(1, g.output_height)));
    photo.style.left = `${(g.input_x / g.output_width) * 100}%`;
    photo.style.top = `${(g.input_y / g.output_height) * 100}%`;
    photo.style.width = `${(g.input_width / g.output_width) * 100}%`;
    photo.style.height = `${(g.input_height / g.output_height) * 100}%`;
    canvasBox.setAttribute('aria-label', `Preview: ${g.output_width}×${g.output_height} canvas, photo ${g.input_width}×${g.input_height} at ${g.input_x}, ${g.input_y}`);
    const p = problem();
    problemEl.hidden = p === null;
    problemEl.textContent = p ?? '';
  };

  /** Output size for a preset: the photo always fits, and the canvas grows only where the ratio needs it. */
  const presetSize = (kind: string): [number, number] | null => {
    const toRatio = (rw: number, rh: number): [number, number] =>
      iw / ih < rw / rh ? [Math.round((ih * rw) / rh), ih] : [iw, Math.round((iw * rh) / rw)];
    if (kind === 'all') return [Math.round(iw * 1.5), Math.round(ih * 1.5)];
    if (kind === 'wide') return toRatio(16, 9);
    if (kind === 'tall') return toRatio(9, 16);
    if (kind === 'square') return iw === ih ? [Math.round(iw * 1.25), Math.round(ih * 1.25)] : toRatio(1, 1);
    return null;
  };

  const applyPreset = (): void => {
    const size = presetSize(preset.value);
    if (!size) return;
    outW.value = String(Math.min(MAX, size[0]));
    outH.value = String(Math.min(MAX, size[1]));
    x.value = String(Math.max(0, Math.round((Number(outW.value) - iw) / 2)));
    y.value = String(Math.max(0, Math.round((Number(outH.value) - ih) / 2)));
    draw();
  };

  preset.addEventListener('change', applyPreset);
  for (const input of [outW, outH, x, y]) {
    input.addEventListener('input', () => {
      preset.value = 'custom';
      draw();
    });
  }
  draw();
  const el = h(
    'div',
    { class: 'extender' },
    h('div', { class: 'ext-controls' }, field('Layout', preset), field('Output width', outW), field('Output height', outH), field('Photo left (input_x)', x), field('Photo top (input_y)', y), h('p', { class: 'muted' }, `Photo: ${iw}×${ih}. The checkered area is what the model paints.`)),
    h('div', { class: 'ext-preview' }, canvasBox, problemEl),
  );
  return { el, params: geometry, problem };
}
