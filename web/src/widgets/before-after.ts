import { h, uid } from '../dom.ts';

/**
 * The result over the original, split by a slider. The split is a native range input, so it works
 * with arrow keys and announces its value; dragging on the picture moves it too.
 */
/** Where the original sits inside the result, in percent of the result (image extender); default: it covers it. */
export interface Placement {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function beforeAfter(beforeUrl: string, afterUrl: string, placement?: Placement): HTMLElement {
  const id = uid('split');
  const after = h('img', { src: afterUrl, alt: 'After', class: 'ba-after', 'data-testid': 'result-image' });
  const before = h('img', { src: beforeUrl, alt: 'Before', class: 'ba-before' });
  if (placement) {
    before.classList.add('placed');
    Object.assign(before.style, { left: `${placement.left}%`, top: `${placement.top}%`, width: `${placement.width}%`, height: `${placement.height}%` });
  }
  const handle = h('div', { class: 'ba-handle', 'aria-hidden': 'true' });
  const range = h('input', { type: 'range', id, min: 0, max: 100, value: 50, class: 'ba-range', 'aria-label': 'Before and after split, percent of the original shown' });
  const frame = h('div', { class: 'ba-frame', 'data-testid': 'before-after' }, after, h('div', { class: 'ba-before-clip' }, before), handle, h('span', { class: 'ba-tag left' }, 'Before'), h('span', { class: 'ba-tag right' }, 'After'));
  const apply = (): void => {
    const pct = Number(range.value);
    frame.style.setProperty('--split', `${pct}%`);
  };
  range.addEventListener('input', apply);
  frame.addEventListener('pointerdown', (e) => {
    const move = (ev: PointerEvent): void => {
      const r = frame.getBoundingClientRect();
      range.value = String(Math.round(Math.min(100, Math.max(0, ((ev.clientX - r.left) / r.width) * 100))));
      apply();
    };
    move(e);
    frame.setPointerCapture(e.pointerId);
    frame.addEventListener('pointermove', move);
    frame.addEventListener('pointerup', () => frame.removeEventListener('pointermove', move), { once: true });
  });
  apply();
  return h('div', { class: 'before-after' }, frame, range);
}
