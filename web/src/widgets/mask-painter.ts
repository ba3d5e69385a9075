import { field, h } from '../dom.ts';

export interface MaskPainter {
  el: HTMLElement;
  /** True once anything is painted. */
  painted(): boolean;
  /** The mask at the photo's full resolution: white where painted, black elsewhere (PNG). */
  toBlob(): Promise<Blob>;
}

/**
 * A brush painted over the photo. Strokes are kept on a canvas the size of the photo itself, so the
 * mask lines up pixel for pixel whatever size the photo is shown at.
 */
export function maskPainter(image: HTMLImageElement): MaskPainter {
  const w = image.naturalWidth;
  const hgt = image.naturalHeight;
  const canvas = h('canvas', { width: w, height: hgt, class: 'mask-canvas', 'aria-label': 'Mask: paint over the area to change', role: 'img' });
  const ctx = canvas.getContext('2d')!;
  const brush = h('input', { type: 'range', min: 4, max: 200, value: String(Math.round(Math.max(w, hgt) / 20)) });
  const modeErase = h('input', { type: 'checkbox' });
  let dirty = false;
  let last: { x: number; y: number } | null = null;

  const toPhoto = (e: PointerEvent): { x: number; y: number } => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * w, y: ((e.clientY - r.top) / r.height) * hgt };
  };
  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }): void => {
    ctx.globalCompositeOperation = modeErase.checked ? 'destination-out' : 'source-over';
    ctx.strokeStyle = 'rgb(0, 210, 255)';
    ctx.lineWidth = Number(brush.value);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    if (!modeErase.checked) dirty = true;
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = toPhoto(e);
    stroke(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = toPhoto(e);
    stroke(last, p);
    last = p;
  });
  const end = (): void => {
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  const clearBtn = h('button', { type: 'button', class: 'small ghost' }, 'Clear mask');
  clearBtn.addEventListener('click', () => {
    ctx.clearRect(0, 0, w, hgt);
    dirty = false;
  });

  const stage = h('div', { class: 'mask-stage' }, h('img', { src: image.src, alt: 'Photo to mask', draggable: 'false' }), canvas);
  const el = h(
    'div',
    { class: 'mask-painter' },
    h('p', { class: 'muted' }, 'Paint over the area to change with the pointer or a finger.'),
    stage,
    h('div', { class: 'inline-form' }, field('Brush size', brush), h('div', { class: 'field check' }, h('label', {}, modeErase, ' Eraser')), clearBtn),
  );

  return {
    el,
    painted: () => dirty,
    toBlob: async () => {
      const out = h('canvas', { width: w, height: hgt });
      const o = out.getContext('2d')!;
      o.fillStyle = '#000';
      o.fillRect(0, 0, w, hgt);
      // Any painted pixel becomes pure white; the translucent display colour must not leak into the mask.
      const src = ctx.getImageData(0, 0, w, hgt);
      const dst = o.getImageData(0, 0, w, hgt);
      for (let i = 0; i < src.data.length; i += 4) {
        if (src.data[i + 3] > 0) {
          dst.data[i] = dst.data[i + 1] = dst.data[i + 2] = 255;
        }
      }
      o.putImageData(dst, 0, 0);
      return new Promise<Blob>((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('mask encode failed'))), 'image/png'));
    },
  };
}
